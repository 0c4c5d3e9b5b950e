package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// maxResponse bounds how much of a collector's answer is read: an
// ExportTraceServiceResponse is a count and a message.
const maxResponse = 1 << 20

// httpSender posts export requests as OTLP/HTTP with protobuf bodies.
type httpSender struct {
	client  *http.Client
	url     string
	where   string // url without its password, for errors
	headers map[string]string
	gzip    bool
}

// encode is the body of a request: the message, compressed or not.
func (h *httpSender) encode(msg []byte) []byte {
	if h.gzip {
		return gzipped(msg)
	}
	return msg
}

func (h *httpSender) send(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("OTLP export: %w", err)
	}
	for k, v := range h.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if h.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	} else {
		req.Header.Del("Content-Encoding") // a configured header does not compress the body
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return unsent("OTLP export", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if err != nil {
			return fmt.Errorf("OTLP export to %s: reading the answer: %w", h.where, err)
		}
		if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/x-protobuf" {
			return nil // accepted, by something that says no more (a proxy, say)
		}
		p, err := decodeResponse(answer)
		if err != nil {
			return fmt.Errorf("OTLP export to %s: %w", h.where, err)
		}
		return p.err()
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusBadGateway,
		resp.StatusCode == http.StatusServiceUnavailable, resp.StatusCode == http.StatusGatewayTimeout:
		after, asked := retryAfter(resp.Header.Get("Retry-After"))
		return &retryableError{err: statusError(h.where, resp, answer), after: after, asked: asked}
	}
	return statusError(h.where, resp, answer)
}

// statusError names an HTTP status and the start of the answer's body.
func statusError(url string, resp *http.Response, body []byte) error {
	if s := snippet(body); s != "" {
		return fmt.Errorf("OTLP export to %s: %s%s: %s", url, resp.Status, redirect(resp), s)
	}
	return fmt.Errorf("OTLP export to %s: %s%s", url, resp.Status, redirect(resp))
}

// redirect says where a redirect points, for an error, so the operator
// can configure that endpoint; "" when resp is not one.
func redirect(resp *http.Response) string {
	loc, err := resp.Location()
	if resp.StatusCode < 300 || resp.StatusCode > 399 || err != nil {
		return ""
	}
	return " (redirecting to " + snippet([]byte(loc.Redacted())) + ", which is not followed)"
}

// snippet is the start of an error body, safe to log: at most 200
// characters, control characters and invalid UTF-8 replaced. A protobuf
// google.rpc.Status body shows its message among a few replaced bytes.
func snippet(body []byte) string {
	const max = 200
	s := strings.ToValidUTF8(string(body[:min(len(body), 4*max)]), "\uFFFD")
	var b strings.Builder
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if n == max {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) {
			r = '\uFFFD'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// retryAfter is the delay a Retry-After header asks for, in seconds or
// as an HTTP date; ok is false when it is absent or cannot be read.
func retryAfter(v string) (d time.Duration, ok bool) {
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		// More seconds than a Duration holds is longer than any export.
		if s > int64(math.MaxInt64/time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b) // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes()
}
