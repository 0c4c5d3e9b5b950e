package otlp

import (
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // the collector reads and writes gzip
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// A received export request, as a collector saw it.
type received struct {
	req      *coltracepb.ExportTraceServiceRequest
	headers  map[string][]string // HTTP headers, or gRPC metadata
	encoding string              // gzip or ""
}

// answer is what a test collector answers its nth call (from 0) with:
// a response, or for gRPC a status error, for HTTP an HTTP status.
type answer struct {
	partial    *coltracepb.ExportTracePartialSuccess
	err        error // gRPC
	status     int   // HTTP; 0 is 200
	body       string
	retryAfter string
	hang       bool // answer only when the caller gives up
}

// collector records the export requests it receives and answers each as
// its answers say (the last one for every call beyond).
type collector struct {
	coltracepb.UnimplementedTraceServiceServer
	answers []answer
	mu      sync.Mutex
	got     []received
	bad     []string
}

func (c *collector) next(r received) answer {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.got)
	c.got = append(c.got, r)
	if len(c.answers) == 0 {
		return answer{}
	}
	return c.answers[min(n, len(c.answers)-1)]
}

func (c *collector) calls() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.got...)
}

func (c *collector) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.bad {
		t.Error(b)
	}
}

func (c *collector) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	var enc string
	if w, ok := ctx.Value(encodingKey{}).(*wire); ok && w.compressed {
		enc = w.encoding
	}
	a := c.next(received{req: req, headers: md, encoding: enc})
	if a.hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if a.err != nil {
		return nil, a.err
	}
	return &coltracepb.ExportTraceServiceResponse{PartialSuccess: a.partial}, nil
}

// encodingKey carries how the request came (its grpc-encoding, which
// gRPC keeps out of the metadata, and whether its message was in fact
// compressed) from the stats handler to Export.
type encodingKey struct{}

type wire struct {
	encoding   string
	compressed bool
}

type encodingRecorder struct{}

func (encodingRecorder) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, encodingKey{}, &wire{})
}
func (encodingRecorder) HandleRPC(ctx context.Context, s stats.RPCStats) {
	w := ctx.Value(encodingKey{}).(*wire)
	switch s := s.(type) {
	case *stats.InHeader:
		w.encoding = s.Compression
	case *stats.InPayload:
		w.compressed = s.CompressedLength != s.Length
	}
}
func (encodingRecorder) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (encodingRecorder) HandleConn(context.Context, stats.ConnStats) {}

// grpcCollector serves c over gRPC on 127.0.0.1, with TLS when cert is
// not nil, and returns its address (host:port).
func grpcCollector(t *testing.T, c *collector, cert *tls.Certificate) string {
	t.Helper()
	var tc *tls.Config
	if cert != nil {
		tc = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	return grpcCollectorTLS(t, c, tc)
}

// grpcCollectorTLS is grpcCollector with TLS as tc says (nil: none).
func grpcCollectorTLS(t *testing.T, c *collector, tc *tls.Config) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts := []grpc.ServerOption{grpc.StatsHandler(encodingRecorder{})}
	if tc != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tc)))
	}
	srv := grpc.NewServer(opts...)
	coltracepb.RegisterTraceServiceServer(srv, c)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return lis.Addr().String()
}

// httpCollector serves c as an OTLP/HTTP endpoint (at any path; the
// paths asked for are in got's headers under ":path"), with TLS when tls
// is true.
func httpCollector(t *testing.T, c *collector, withTLS bool) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		enc := r.Header.Get("Content-Encoding")
		if enc == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				c.fail("gzip: " + err.Error())
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			body = zr
		}
		raw, err := io.ReadAll(body)
		req := &coltracepb.ExportTraceServiceRequest{}
		if err == nil {
			err = proto.Unmarshal(raw, req)
		}
		if err != nil {
			c.fail("decoding the request: " + err.Error())
		}
		headers := r.Header.Clone()
		headers[":path"] = []string{r.URL.Path}
		a := c.next(received{req: req, headers: headers, encoding: enc})
		if a.hang {
			<-r.Context().Done()
			return
		}
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		if a.status != 0 {
			w.WriteHeader(a.status)
			io.WriteString(w, a.body)
			return
		}
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{PartialSuccess: a.partial})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	})
	var srv *httptest.Server
	if withTLS {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

func (c *collector) fail(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bad = append(c.bad, msg)
}

// selfSigned is a certificate for 127.0.0.1, a server's or a client's,
// and the path of a PEM file holding it, to trust it by.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test collector"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, writePEM(t, der)
}

// writePEM writes a certificate as a PEM file and returns its path.
func writePEM(t *testing.T, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// env is an environment for ConfigFromEnv.
type env map[string]string

func (e env) get(k string) string { return e[k] }

var (
	tid    = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	tid2   = trace.TraceID{0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f, 0x90}
	sid    = trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	sid2   = trace.SpanID{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}
	sid3   = trace.SpanID{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}
	psid   = trace.SpanID{0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed, 0xfa, 0xce}
	lsid   = trace.SpanID{0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11}
	start  = time.Unix(1_700_000_000, 123_456_789)
	end    = start.Add(1500 * time.Millisecond)
	evTime = start.Add(250 * time.Millisecond)
)

// fixture is spans exercising every field of the transform, and the
// export request a collector must receive for them: two resources, the
// first with two scopes, one of which holds two spans.
func fixture(t testing.TB) ([]sdktrace.ReadOnlySpan, *coltracepb.ExportTraceServiceRequest) {
	t.Helper()
	ts, err := trace.ParseTraceState("vendor=value,other=x")
	if err != nil {
		t.Fatal(err)
	}
	res1 := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0", attribute.String("service.name", "orders"), attribute.String("host.name", "h1"))
	res2 := resource.NewSchemaless(attribute.String("service.name", "billing"))
	scopeA := instrumentation.Scope{Name: "a", Version: "1.2.3", SchemaURL: "https://example.com/a", Attributes: attribute.NewSet(attribute.Bool("scope.attr", true))}
	scopeB := instrumentation.Scope{Name: "b"}

	full := tracetest.SpanStub{
		Name: "tools/call lookup",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, TraceState: ts,
		}),
		Parent:    trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: psid, TraceFlags: trace.FlagsSampled, Remote: true}),
		SpanKind:  trace.SpanKindServer,
		StartTime: start,
		EndTime:   end,
		Attributes: []attribute.KeyValue{
			attribute.Bool("b", true),
			attribute.Int64("i", -42),
			attribute.Float64("f", 2.5),
			attribute.String("s", "text"),
			attribute.BoolSlice("bs", []bool{true, false}),
			attribute.Int64Slice("is", []int64{1, -2}),
			attribute.Float64Slice("fs", []float64{0.5, -1.25}),
			attribute.StringSlice("ss", []string{"x", ""}),
			attribute.ByteSlice("bytes", []byte{0, 1, 0xff}),
			attribute.Slice("mixed", attribute.StringValue("one"), attribute.Int64Value(2), attribute.SliceValue(attribute.BoolValue(false))),
			attribute.Map("map", attribute.String("k", "v"), attribute.Map("inner", attribute.Float64("pi", 3.14))),
			{Key: "empty"},
		},
		Events: []sdktrace.Event{
			{Name: "retry", Time: evTime, Attributes: []attribute.KeyValue{attribute.Int("attempt", 2)}, DroppedAttributeCount: 3},
			{Name: "bare", Time: evTime},
		},
		Links: []sdktrace.Link{{
			SpanContext:           trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid2, SpanID: lsid, TraceState: ts, Remote: true}),
			Attributes:            []attribute.KeyValue{attribute.String("link.kind", "http")},
			DroppedAttributeCount: 1,
		}},
		Status:               sdktrace.Status{Code: codes.Error, Description: "backend down"},
		DroppedAttributes:    4,
		DroppedEvents:        5,
		DroppedLinks:         6,
		ChildSpanCount:       2,
		Resource:             res1,
		InstrumentationScope: scopeA,
	}
	other := tracetest.SpanStub{
		Name:                 "guard",
		SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid2}),
		Parent:               full.SpanContext, // a local parent
		SpanKind:             trace.SpanKindClient,
		StartTime:            start,
		EndTime:              end,
		Status:               sdktrace.Status{Code: codes.Ok},
		Resource:             res1,
		InstrumentationScope: scopeB,
	}
	root := tracetest.SpanStub{
		Name:                 "root",
		SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid2, SpanID: sid3, TraceFlags: trace.FlagsSampled}),
		SpanKind:             trace.SpanKindInternal,
		StartTime:            start,
		EndTime:              end,
		Resource:             res2,
		InstrumentationScope: scopeA,
	}
	again := other
	again.Name, again.SpanKind, again.InstrumentationScope = "again", trace.SpanKindProducer, scopeA
	consumer := root
	consumer.Name, consumer.SpanKind = "consumer", trace.SpanKindConsumer
	spans := tracetest.SpanStubs{full, other, root, again, consumer}.Snapshots()

	str := func(s string) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
	}
	i64 := func(n int64) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
	}
	f64 := func(f float64) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
	}
	boolean := func(b bool) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
	}
	arr := func(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
	}
	kv := func(k string, v *commonpb.AnyValue) *commonpb.KeyValue { return &commonpb.KeyValue{Key: k, Value: v} }
	kvlist := func(kvs ...*commonpb.KeyValue) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}
	}
	const (
		hasRemote = uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
		isRemote  = uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	)
	scopeAPB := &commonpb.InstrumentationScope{Name: "a", Version: "1.2.3", Attributes: []*commonpb.KeyValue{kv("scope.attr", boolean(true))}}
	t0, t1, te := uint64(start.UnixNano()), uint64(end.UnixNano()), uint64(evTime.UnixNano())
	otherPB := &tracepb.Span{
		TraceId: tid[:], SpanId: sid2[:], ParentSpanId: sid[:], Flags: hasRemote, Name: "guard",
		Kind: tracepb.Span_SPAN_KIND_CLIENT, StartTimeUnixNano: t0, EndTimeUnixNano: t1,
		Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK},
	}
	againPB := proto.Clone(otherPB).(*tracepb.Span)
	againPB.Name, againPB.Kind = "again", tracepb.Span_SPAN_KIND_PRODUCER
	rootPB := &tracepb.Span{
		TraceId: tid2[:], SpanId: sid3[:], Flags: 1 | hasRemote, Name: "root",
		Kind: tracepb.Span_SPAN_KIND_INTERNAL, StartTimeUnixNano: t0, EndTimeUnixNano: t1, Status: &tracepb.Status{},
	}
	consumerPB := proto.Clone(rootPB).(*tracepb.Span)
	consumerPB.Name, consumerPB.Kind = "consumer", tracepb.Span_SPAN_KIND_CONSUMER
	want := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{
		{
			Resource:  &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("host.name", str("h1")), kv("service.name", str("orders"))}},
			SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
			ScopeSpans: []*tracepb.ScopeSpans{
				{Scope: scopeAPB, SchemaUrl: "https://example.com/a", Spans: []*tracepb.Span{{
					TraceId: tid[:], SpanId: sid[:], TraceState: "vendor=value,other=x", ParentSpanId: psid[:],
					Flags: 1 | hasRemote | isRemote, Name: "tools/call lookup", Kind: tracepb.Span_SPAN_KIND_SERVER,
					StartTimeUnixNano: t0, EndTimeUnixNano: t1,
					Attributes: []*commonpb.KeyValue{
						kv("b", boolean(true)), kv("i", i64(-42)), kv("f", f64(2.5)), kv("s", str("text")),
						kv("bs", arr(boolean(true), boolean(false))), kv("is", arr(i64(1), i64(-2))),
						kv("fs", arr(f64(0.5), f64(-1.25))), kv("ss", arr(str("x"), str(""))),
						kv("bytes", &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{0, 1, 0xff}}}),
						kv("mixed", arr(str("one"), i64(2), arr(boolean(false)))),
						kv("map", kvlist(kv("inner", kvlist(kv("pi", f64(3.14)))), kv("k", str("v")))),
						kv("empty", &commonpb.AnyValue{}),
					},
					DroppedAttributesCount: 4,
					Events: []*tracepb.Span_Event{
						{TimeUnixNano: te, Name: "retry", Attributes: []*commonpb.KeyValue{kv("attempt", i64(2))}, DroppedAttributesCount: 3},
						{TimeUnixNano: te, Name: "bare"},
					},
					DroppedEventsCount: 5,
					Links: []*tracepb.Span_Link{{
						TraceId: tid2[:], SpanId: lsid[:], TraceState: "vendor=value,other=x",
						Attributes: []*commonpb.KeyValue{kv("link.kind", str("http"))}, DroppedAttributesCount: 1,
						Flags: hasRemote | isRemote,
					}},
					DroppedLinksCount: 6,
					Status:            &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "backend down"},
				}, againPB}},
				{Scope: &commonpb.InstrumentationScope{Name: "b"}, Spans: []*tracepb.Span{otherPB}},
			},
		},
		{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", str("billing"))}},
			ScopeSpans: []*tracepb.ScopeSpans{
				{Scope: scopeAPB, SchemaUrl: "https://example.com/a", Spans: []*tracepb.Span{rootPB, consumerPB}},
			},
		},
	}}
	return spans, want
}

// sameRequest fails the test unless got is want.
func sameRequest(t *testing.T, got, want *coltracepb.ExportTraceServiceRequest) {
	t.Helper()
	if !proto.Equal(got, want) {
		opts := prototext.MarshalOptions{Multiline: true}
		t.Errorf("the collector received\n%s\nwant\n%s", opts.Format(got), opts.Format(want))
	}
}

// writeKey writes cert's private key as a PEM file and returns its path.
func writeKey(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
