package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// exportMethod is the path of the OTLP trace service's one method.
const exportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

// grpcSender makes the unary gRPC call TraceService/Export as HTTP/2
// requests: a length-prefixed message in the body, the status in the
// trailers (or, when the server answers with trailers only, in the
// headers).
type grpcSender struct {
	client  *http.Client
	url     string
	headers map[string]string
	gzip    bool
}

func newGRPCSender(client *http.Client, base *url.URL, headers map[string]string, gzip bool) *grpcSender {
	return &grpcSender{client: client, url: base.String() + exportMethod, headers: headers, gzip: gzip}
}

// gRPC status codes (google.golang.org/grpc/codes).
const (
	codeOK                = 0
	codeCancelled         = 1
	codeUnknown           = 2
	codeDeadlineExceeded  = 4
	codePermissionDenied  = 7
	codeResourceExhausted = 8
	codeAborted           = 10
	codeOutOfRange        = 11
	codeUnimplemented     = 12
	codeInternal          = 13
	codeUnavailable       = 14
	codeDataLoss          = 15
	codeUnauthenticated   = 16
)

var codeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

func codeName(c int) string {
	if c >= 0 && c < len(codeNames) {
		return codeNames[c]
	}
	return "code " + strconv.Itoa(c)
}

// retryableCode says which failures the OTLP specification retries.
// (It retries RESOURCE_EXHAUSTED only when the server says recovery is
// possible, in a RetryInfo detail; as an exporter gives up when its
// time runs out anyway, this one always retries it, after the RetryInfo's
// delay when there is one.)
func retryableCode(c int) bool {
	switch c {
	case codeCancelled, codeDeadlineExceeded, codeResourceExhausted, codeAborted,
		codeOutOfRange, codeUnavailable, codeDataLoss:
		return true
	}
	return false
}

// A StatusError is a gRPC call's failure status.
type StatusError struct {
	Code    int // the gRPC status code
	Message string

	// retryDelay is the delay a RetryInfo detail asked for, when asked.
	retryDelay time.Duration
	asked      bool
}

func (s *StatusError) Error() string {
	if s.Message == "" {
		return "OTLP gRPC export: " + codeName(s.Code)
	}
	return "OTLP gRPC export: " + codeName(s.Code) + ": " + s.Message
}

// CodeName is the code's name as gRPC spells it (UNAVAILABLE).
func (s *StatusError) CodeName() string { return codeName(s.Code) }

// frameHeader is the length of a gRPC message's header: a compressed
// flag and a 4-byte big-endian length.
const frameHeader = 5

// frame is the body of a call: the message in buf[frameHeader:] after
// its header, in place unless the message is compressed.
func (g *grpcSender) frame(buf []byte) []byte {
	if g.gzip {
		z := gzipped(buf[frameHeader:])
		buf = append(make([]byte, frameHeader, frameHeader+len(z)), z...)
		buf[0] = 1
	} else {
		buf[0] = 0
	}
	binary.BigEndian.PutUint32(buf[1:frameHeader], uint32(len(buf)-frameHeader))
	return buf
}

// send calls Export with a framed request.
func (g *grpcSender) send(ctx context.Context, frame []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(frame))
	if err != nil {
		return fmt.Errorf("OTLP gRPC export: %w", err)
	}
	for k, v := range g.headers {
		req.Header.Set(k, v)
	}
	// Set after the configured headers: these are the protocol's.
	req.Header.Set("Content-Type", "application/grpc+proto")
	req.Header.Set("Te", "trailers")
	req.Header.Set("User-Agent", "mcpgen-otlp")
	req.Header.Set("Grpc-Accept-Encoding", "gzip")
	if g.gzip {
		req.Header.Set("Grpc-Encoding", "gzip")
	} else {
		req.Header.Del("Grpc-Encoding") // a configured header does not compress the message
	}
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("OTLP gRPC export to %s: %w", g.url, context.DeadlineExceeded)
		}
		req.Header.Set("Grpc-Timeout", grpcTimeout(left))
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return unsent("OTLP gRPC export", err)
	}
	defer resp.Body.Close()
	return classify(g.answer(resp))
}

// classify makes a failure status worth retrying a retryableError.
func classify(err error) error {
	var s *StatusError
	if errors.As(err, &s) && retryableCode(s.Code) {
		return &retryableError{err: err, after: s.retryDelay, asked: s.asked}
	}
	return err
}

// answer reads a call's answer: its status, and when it is OK, its
// ExportTraceServiceResponse.
func (g *grpcSender) answer(resp *http.Response) error {
	if resp.StatusCode != http.StatusOK {
		// Not an answer from gRPC (a proxy's, say): the HTTP status stands
		// for a gRPC code, as gRPC's own clients map it.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return &StatusError{Code: httpCode(resp.StatusCode), Message: strings.TrimSpace(resp.Status + redirect(resp) + " " + snippet(body))}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/grpc") {
		return &StatusError{Code: codeUnknown, Message: fmt.Sprintf("the answer's content type is %q, not application/grpc", ct)}
	}
	if resp.Header.Get("Grpc-Status") != "" { // trailers only: no message
		return callStatus(resp.Header, nil)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, frameHeader+maxResponse+1))
	if err != nil {
		return &retryableError{err: fmt.Errorf("OTLP gRPC export to %s: reading the answer: %w", g.url, err)}
	}
	if len(body) > frameHeader+maxResponse {
		return &StatusError{Code: codeInternal, Message: "the answer is too large"}
	}
	return callStatus(resp.Trailer, func() error {
		msg, err := unframe(body, resp.Header.Get("Grpc-Encoding"))
		if err != nil {
			return &StatusError{Code: codeInternal, Message: err.Error()}
		}
		p, err := decodeResponse(msg)
		if err != nil {
			return &StatusError{Code: codeInternal, Message: err.Error()}
		}
		return p.err()
	})
}

// callStatus is the error a call's grpc-status and grpc-message say, or
// when they say OK, what ok returns (nil when ok is nil).
func callStatus(h http.Header, ok func() error) error {
	v := h.Get("Grpc-Status")
	if v == "" {
		return &StatusError{Code: codeInternal, Message: "the answer has no grpc-status"}
	}
	code, err := strconv.Atoi(v)
	if err != nil || code < 0 {
		return &StatusError{Code: codeUnknown, Message: fmt.Sprintf("grpc-status %q is not a code", v)}
	}
	if code != codeOK {
		s := &StatusError{Code: code, Message: grpcMessage(h.Get("Grpc-Message"))}
		s.retryDelay, s.asked = retryDelay(h.Get("Grpc-Status-Details-Bin"))
		return s
	}
	if ok == nil {
		return nil
	}
	return ok()
}

// retryDelay is the delay the RetryInfo detail of a status asks for
// before the next attempt, read from grpc-status-details-bin (a
// google.rpc.Status, base64-encoded with or without padding); ok is false
// when there is none or it cannot be read.
func retryDelay(v string) (d time.Duration, ok bool) {
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil || len(b) == 0 {
		return 0, false
	}
	// google.rpc.Status: details = 3, each a google.protobuf.Any: type_url
	// = 1, value = 2.
	for _, detail := range fields(b, 3) {
		var typeURL string
		var value []byte
		for _, f := range fields(detail, 1) {
			typeURL = string(f)
		}
		for _, f := range fields(detail, 2) {
			value = f
		}
		if typeURL != "type.googleapis.com/google.rpc.RetryInfo" {
			continue
		}
		// google.rpc.RetryInfo: retry_delay = 1, a google.protobuf.Duration:
		// seconds = 1, nanos = 2, both varints.
		var secs, nanos int64
		for _, dur := range fields(value, 1) {
			secs, nanos = varint(dur, 1), varint(dur, 2)
		}
		if secs < 0 || nanos < 0 || nanos > 999_999_999 {
			return 0, false
		}
		if secs > int64(math.MaxInt64/time.Second)-1 {
			return math.MaxInt64, true // longer than any export
		}
		return time.Duration(secs)*time.Second + time.Duration(nanos), true
	}
	return 0, false
}

// fields are the values of the length-delimited fields numbered num in
// the protobuf message b, nil when b cannot be read.
func fields(b []byte, num protowire.Number) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return nil
		}
		b = b[l:]
		if n == num && typ == protowire.BytesType {
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return nil
			}
			out, b = append(out, v), b[l:]
			continue
		}
		l = protowire.ConsumeFieldValue(n, typ, b)
		if l < 0 {
			return nil
		}
		b = b[l:]
	}
	return out
}

// varint is the last value of the varint field numbered num in the
// protobuf message b, 0 when it has none or b cannot be read.
func varint(b []byte, num protowire.Number) int64 {
	var v int64
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return 0
		}
		b = b[l:]
		if n == num && typ == protowire.VarintType {
			x, l := protowire.ConsumeVarint(b)
			if l < 0 {
				return 0
			}
			v, b = int64(x), b[l:]
			continue
		}
		l = protowire.ConsumeFieldValue(n, typ, b)
		if l < 0 {
			return 0
		}
		b = b[l:]
	}
	return v
}

// grpcMessage decodes grpc-message, which gRPC percent-encodes; a value
// that is not valid percent-encoding is shown as it came.
func grpcMessage(v string) string {
	if m, err := url.PathUnescape(v); err == nil {
		v = m
	}
	return snippet([]byte(v))
}

// unframe is the one message of a unary answer: a compressed flag, a
// 4-byte big-endian length, the message. An OK answer with no message at
// all is an empty one.
func unframe(body []byte, encoding string) ([]byte, error) {
	if len(body) == 0 {
		return nil, nil
	}
	if len(body) < frameHeader {
		return nil, errors.New("the answer's message is cut short")
	}
	n := binary.BigEndian.Uint32(body[1:frameHeader])
	if uint64(n) != uint64(len(body)-frameHeader) {
		return nil, fmt.Errorf("the answer's message is %d bytes, its frame says %d", len(body)-frameHeader, n)
	}
	msg := body[frameHeader:]
	switch {
	case body[0] == 0:
		return msg, nil
	case body[0] != 1:
		return nil, fmt.Errorf("the answer's message has flags %#x", body[0])
	case encoding != "gzip":
		return nil, fmt.Errorf("the answer's message is compressed with %q, which this exporter does not read", encoding)
	}
	zr, err := gzip.NewReader(bytes.NewReader(msg))
	if err != nil {
		return nil, fmt.Errorf("the answer's message: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("the answer's message: %w", err)
	}
	if len(out) > maxResponse {
		return nil, errors.New("the answer's message is too large")
	}
	return out, nil
}

// grpcTimeout is d as a grpc-timeout value: at most 8 digits and a unit,
// rounded up so the server never gets less time than there is.
func grpcTimeout(d time.Duration) string {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms < 1e8 {
		return strconv.FormatInt(int64(ms), 10) + "m"
	}
	s := min((d+time.Second-1)/time.Second, 1e8-1)
	return strconv.FormatInt(int64(s), 10) + "S"
}

// httpCode is the gRPC code an HTTP status stands for when the answer
// did not come from a gRPC server.
func httpCode(status int) int {
	switch status {
	case http.StatusBadRequest:
		return codeInternal
	case http.StatusUnauthorized:
		return codeUnauthenticated
	case http.StatusForbidden:
		return codePermissionDenied
	case http.StatusNotFound:
		return codeUnimplemented
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return codeUnavailable
	}
	return codeUnknown
}
