package otlp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// exporter is an exporter as the environment e says, failing the test
// when it cannot be built; its retries wait a millisecond at first, or
// backoff when it is given.
func exporter(t *testing.T, protocol string, e env, backoff ...time.Duration) *Exporter {
	t.Helper()
	c, err := ConfigFromEnv(protocol, e.get)
	if err != nil {
		t.Fatal(err)
	}
	c.backoff, c.maxBackoff = time.Millisecond, 2*time.Millisecond
	if len(backoff) > 0 {
		c.backoff, c.maxBackoff = backoff[0], backoff[0]
	}
	exp, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exp.Shutdown(context.Background()) })
	return exp
}

// TestExport: every field of the spans reaches a real collector, gRPC
// (plaintext and TLS) and HTTP (plaintext and TLS), with and without
// gzip, as the OTLP messages say.
func TestExport(t *testing.T) {
	cert, caFile := selfSigned(t)
	for _, tc := range []struct {
		name     string
		protocol string
		tls      bool
		gzip     bool
	}{
		{"grpc", GRPC, false, false},
		{"grpc gzip", GRPC, false, true},
		{"grpc tls", GRPC, true, false},
		{"grpc tls gzip", GRPC, true, true},
		{"http", HTTPProtobuf, false, false},
		{"http gzip", HTTPProtobuf, false, true},
		{"http tls", HTTPProtobuf, true, false},
		{"http tls gzip", HTTPProtobuf, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collector{}
			e := env{}
			if tc.gzip {
				e["OTEL_EXPORTER_OTLP_COMPRESSION"] = "gzip"
			}
			if tc.protocol == GRPC {
				var serverCert *tls.Certificate
				scheme := "http://"
				if tc.tls {
					serverCert, scheme = &cert, "https://"
					e["OTEL_EXPORTER_OTLP_CERTIFICATE"] = caFile
				}
				e["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = scheme + grpcCollector(t, c, serverCert)
			} else {
				srv := httpCollector(t, c, tc.tls)
				if tc.tls {
					e["OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"] = writePEM(t, srv.Certificate().Raw)
				}
				e["OTEL_EXPORTER_OTLP_ENDPOINT"] = srv.URL
			}
			spans, want := fixture(t)
			if err := exporter(t, tc.protocol, e).ExportSpans(context.Background(), spans); err != nil {
				t.Fatal(err)
			}
			c.check(t)
			got := c.calls()
			if len(got) != 1 {
				t.Fatalf("the collector got %d calls, want 1", len(got))
			}
			sameRequest(t, got[0].req, want)
			wantEnc := ""
			if tc.gzip {
				wantEnc = "gzip"
			}
			if got[0].encoding != wantEnc {
				t.Errorf("the request's encoding is %q, want %q", got[0].encoding, wantEnc)
			}
			if tc.protocol == HTTPProtobuf {
				if p := got[0].headers[":path"]; len(p) != 1 || p[0] != "/v1/traces" {
					t.Errorf("posted to %v, want /v1/traces under the base URL", p)
				}
			}
		})
	}
}

// TestRetry: a collector that is busy or unavailable gets the same
// request again, after the delay it asks for or a backoff, until it
// takes it.
func TestRetry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		protocol string
		answers  []answer
		backoff  time.Duration // 0: a millisecond
	}{
		// The backoff would outlast the export: only Retry-After: 0 lets
		// it succeed.
		{"http 503 retry-after", HTTPProtobuf, []answer{{status: http.StatusServiceUnavailable, retryAfter: "0"}, {}}, time.Hour},
		{"http 429 backoff", HTTPProtobuf, []answer{{status: http.StatusTooManyRequests}, {}}, 0},
		{"http 502 then 504", HTTPProtobuf, []answer{{status: http.StatusBadGateway}, {status: http.StatusGatewayTimeout}, {}}, 0},
		{"grpc unavailable", GRPC, []answer{{err: status.Error(codes.Unavailable, "starting")}, {}}, 0},
		// As for Retry-After: only the RetryInfo's delay lets it succeed.
		{"grpc retry info", GRPC, []answer{{err: retryInfo(t, codes.ResourceExhausted, 0)}, {}}, time.Hour},
		{"grpc resource exhausted then aborted", GRPC, []answer{{err: status.Error(codes.ResourceExhausted, "busy")}, {err: status.Error(codes.Aborted, "again")}, {}}, 0},
		{"grpc the rest", GRPC, []answer{
			{err: status.Error(codes.Canceled, "")}, {err: status.Error(codes.DeadlineExceeded, "")},
			{err: status.Error(codes.OutOfRange, "")}, {err: status.Error(codes.DataLoss, "")}, {},
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collector{answers: tc.answers}
			backoff := []time.Duration{}
			if tc.backoff > 0 {
				backoff = append(backoff, tc.backoff)
			}
			exp := exporter(t, tc.protocol, env{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint(t, tc.protocol, c)}, backoff...)
			spans, want := fixture(t)
			if err := exp.ExportSpans(context.Background(), spans); err != nil {
				t.Fatal(err)
			}
			c.check(t)
			got := c.calls()
			if len(got) != len(tc.answers) {
				t.Fatalf("the collector got %d calls, want %d", len(got), len(tc.answers))
			}
			for _, r := range got {
				sameRequest(t, r.req, want)
			}
		})
	}
}

// TestBackoffBounds: the delay before a retry the collector named no
// delay for stays within the configured maximum, jitter included, and
// never falls below half the backoff. (Jitter took it up to half as much
// again as the maximum: 45s for the default 30s.)
func TestBackoffBounds(t *testing.T) {
	exp, err := New(Config{backoff: 5 * time.Second, maxBackoff: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := range 70 { // past the shift's cap
		for range 100 {
			d := exp.delay(attempt)
			if d > 30*time.Second || d < 2500*time.Millisecond {
				t.Fatalf("delay(%d) = %v, want within [2.5s, 30s]", attempt, d)
			}
		}
	}
}

// TestRetryAfterHuge: a Retry-After longer than the export's time left
// ends the export at once, without another attempt, also when its number
// of seconds does not fit a time.Duration (it wrapped round to a negative
// delay, and the exporter retried without pause until its time ran out).
func TestRetryAfterHuge(t *testing.T) {
	for _, v := range []string{"3600", "9223372037", "99999999999999999"} {
		t.Run(v, func(t *testing.T) {
			c := &collector{answers: []answer{{status: http.StatusServiceUnavailable, retryAfter: v}}}
			exp := exporter(t, HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint(t, HTTPProtobuf, c), "OTEL_EXPORTER_OTLP_TIMEOUT": "2000"}, time.Hour)
			spans, _ := fixture(t)
			err := exp.ExportSpans(context.Background(), spans)
			if err == nil || !strings.Contains(err.Error(), "ran out before it could be retried") {
				t.Errorf("ExportSpans: %v, want the time to run out before a retry", err)
			}
			if n := len(c.calls()); n != 1 {
				t.Errorf("the collector got %d calls, want 1", n)
			}
		})
	}
}

// retryInfo is a gRPC status error with a RetryInfo detail asking for
// delay before the next attempt.
func retryInfo(t testing.TB, code codes.Code, delay time.Duration) error {
	t.Helper()
	s, err := status.New(code, "slow down").WithDetails(protoadapt.MessageV1Of(newRetryInfo(t, durationpb.New(delay))))
	if err != nil {
		t.Fatal(err)
	}
	return s.Err()
}

// newRetryInfo is a google.rpc.RetryInfo message, described here rather
// than imported from genproto, which this module does not require.
func newRetryInfo(t testing.TB, delay *durationpb.Duration) proto.Message {
	t.Helper()
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:       proto.String("otlp_test/retry_info.proto"),
		Package:    proto.String("google.rpc"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/duration.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("RetryInfo"),
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name: proto.String("retry_delay"), JsonName: proto.String("retryDelay"), Number: proto.Int32(1),
				Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
				Type:     descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(),
				TypeName: proto.String(".google.protobuf.Duration"),
			}},
		}},
	}, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	md := fd.Messages().Get(0)
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().Get(0), protoreflect.ValueOfMessage(delay.ProtoReflect()))
	return m
}

// endpoint starts a plaintext collector speaking protocol and returns
// its base URL.
func endpoint(t *testing.T, protocol string, c *collector) string {
	t.Helper()
	if protocol == GRPC {
		return "http://" + grpcCollector(t, c, nil)
	}
	return httpCollector(t, c, false).URL
}

// TestRetryEnds: retries stop when the export's time runs out, and the
// error says why the export was retried, also when the time ran out
// during an attempt.
func TestRetryEnds(t *testing.T) {
	down := answer{status: http.StatusServiceUnavailable, body: "down", err: status.Error(codes.Unavailable, "down")}
	for _, tc := range []struct {
		name    string
		answers []answer
	}{
		{"unavailable", []answer{down}},
		{"then no answer", []answer{down, {hang: true}}},
	} {
		for _, protocol := range []string{HTTPProtobuf, GRPC} {
			t.Run(tc.name+" "+protocol, func(t *testing.T) {
				c := &collector{answers: tc.answers}
				exp := exporter(t, protocol, env{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint(t, protocol, c), "OTEL_EXPORTER_OTLP_TIMEOUT": "300"})
				spans, _ := fixture(t)
				err := exp.ExportSpans(context.Background(), spans)
				if err == nil || !strings.Contains(err.Error(), "down") {
					t.Fatalf("ExportSpans: %v, want the collector's error", err)
				}
				if n := len(c.calls()); n < 2 {
					t.Errorf("the collector got %d calls, want retries", n)
				}
			})
		}
	}
}

// TestPermanentError: a failure that is not worth retrying is returned
// at once, naming the collector's status and message.
func TestPermanentError(t *testing.T) {
	for _, tc := range []struct {
		name     string
		protocol string
		answer   answer
		want     []string
	}{
		{"http 400", HTTPProtobuf, answer{status: http.StatusBadRequest, body: "span 3 is \x00 bad"}, []string{"400 Bad Request", "span 3 is \uFFFD bad"}},
		{"http 401", HTTPProtobuf, answer{status: http.StatusUnauthorized}, []string{"401 Unauthorized"}},
		{"grpc invalid argument", GRPC, answer{err: status.Error(codes.InvalidArgument, "bad span: 100%")}, []string{"INVALID_ARGUMENT", "bad span: 100%"}},
		{"grpc unauthenticated", GRPC, answer{err: status.Error(codes.Unauthenticated, "")}, []string{"UNAUTHENTICATED"}},
		// grpc-go percent-encodes what is not printable ASCII; the message
		// arrives decoded, its line break replaced.
		{"grpc message not ascii", GRPC, answer{err: status.Error(codes.PermissionDenied, "naïve ✓ 50%\nnext")}, []string{"PERMISSION_DENIED: naïve ✓ 50%\uFFFDnext"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collector{answers: []answer{tc.answer}}
			exp := exporter(t, tc.protocol, env{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint(t, tc.protocol, c)})
			spans, _ := fixture(t)
			err := exp.ExportSpans(context.Background(), spans)
			if err == nil {
				t.Fatal("ExportSpans succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if n := len(c.calls()); n != 1 {
				t.Errorf("the collector got %d calls, want 1 (no retry)", n)
			}
			if tc.protocol == GRPC {
				var s *StatusError
				if !errors.As(err, &s) || s.Code != int(status.Code(tc.answer.err)) {
					t.Errorf("error %v is not a StatusError with code %v", err, status.Code(tc.answer.err))
				}
			}
		})
	}
}

// TestPartialSuccess: spans the collector says it rejected are an error.
// (With gzip, the gRPC collector compresses its answer too.)
func TestPartialSuccess(t *testing.T) {
	for _, protocol := range []string{HTTPProtobuf, GRPC, GRPC + " gzip"} {
		t.Run(protocol, func(t *testing.T) {
			c := &collector{answers: []answer{{partial: &coltracepb.ExportTracePartialSuccess{RejectedSpans: 2, ErrorMessage: "too old"}}}}
			protocol, compression, _ := strings.Cut(protocol, " ")
			exp := exporter(t, protocol, env{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint(t, protocol, c), "OTEL_EXPORTER_OTLP_COMPRESSION": compression})
			spans, _ := fixture(t)
			err := exp.ExportSpans(context.Background(), spans)
			if err == nil || !strings.Contains(err.Error(), "rejected 2 spans: too old") {
				t.Errorf("ExportSpans: %v, want the 2 rejected spans", err)
			}
			if n := len(c.calls()); n != 1 {
				t.Errorf("the collector got %d calls, want 1 (no retry)", n)
			}
		})
	}
}

// TestHeaders: the headers the environment names arrive with each
// export, the per-signal variable's over the generic one's.
func TestHeaders(t *testing.T) {
	for _, protocol := range []string{HTTPProtobuf, GRPC} {
		t.Run(protocol, func(t *testing.T) {
			c := &collector{}
			exp := exporter(t, protocol, env{
				"OTEL_EXPORTER_OTLP_ENDPOINT":       endpoint(t, protocol, c),
				"OTEL_EXPORTER_OTLP_HEADERS":        "x-generic=1",
				"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-api-key=s3cret%20value, X-Tenant = acme ,",
			})
			spans, _ := fixture(t)
			if err := exp.ExportSpans(context.Background(), spans); err != nil {
				t.Fatal(err)
			}
			got := c.calls()[0].headers
			value := func(k string) []string {
				for name, v := range got {
					if strings.EqualFold(name, k) {
						return v
					}
				}
				return nil
			}
			for k, want := range map[string]string{"x-api-key": "s3cret value", "x-tenant": "acme"} {
				if v := value(k); len(v) != 1 || v[0] != want {
					t.Errorf("header %s is %q, want %q", k, v, want)
				}
			}
			if v := value("x-generic"); v != nil {
				t.Errorf("header x-generic arrived (%q): the per-signal variable replaces the generic one", v)
			}
		})
	}
}

// TestConfiguredEncodingHeader: a Content-Encoding (or grpc-encoding)
// among the configured headers does not mislabel a request that is not
// compressed; the collector reads it.
func TestConfiguredEncodingHeader(t *testing.T) {
	for _, protocol := range []string{HTTPProtobuf, GRPC} {
		t.Run(protocol, func(t *testing.T) {
			c := &collector{}
			exp := exporter(t, protocol, env{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint(t, protocol, c), "OTEL_EXPORTER_OTLP_HEADERS": "content-encoding=gzip,grpc-encoding=gzip"})
			spans, want := fixture(t)
			if err := exp.ExportSpans(context.Background(), spans); err != nil {
				t.Fatal(err)
			}
			c.check(t)
			if got := c.calls(); len(got) != 1 {
				t.Errorf("the collector got %d calls, want 1", len(got))
			} else {
				sameRequest(t, got[0].req, want)
			}
		})
	}
}

// TestInsecure: a gRPC endpoint without a scheme is TLS unless
// OTEL_EXPORTER_OTLP_INSECURE says otherwise.
func TestInsecure(t *testing.T) {
	c := &collector{}
	addr := grpcCollector(t, c, nil)
	spans, _ := fixture(t)
	exp := exporter(t, GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": addr, "OTEL_EXPORTER_OTLP_INSECURE": "true"})
	if err := exp.ExportSpans(context.Background(), spans); err != nil {
		t.Fatalf("plaintext: %v", err)
	}
	exp = exporter(t, GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": addr, "OTEL_EXPORTER_OTLP_TIMEOUT": "500"})
	if err := exp.ExportSpans(context.Background(), spans); err == nil {
		t.Fatal("TLS to a plaintext collector succeeded")
	}
	if n := len(c.calls()); n != 1 {
		t.Errorf("the collector got %d calls, want 1", n)
	}
}

// TestUntrustedCertificate: a collector whose certificate the exporter
// does not trust fails the export at once, without a retry: a new attempt
// meets the same certificate. (It was retried until the export's time ran
// out, a TLS handshake each millisecond.)
func TestUntrustedCertificate(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request got through: %s %s", r.Method, r.URL)
	}))
	srv.EnableHTTP2 = true // for gRPC, which needs h2 by ALPN
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes' errors are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	for _, protocol := range []string{HTTPProtobuf, GRPC} {
		t.Run(protocol, func(t *testing.T) {
			conns.Store(0)
			exp := exporter(t, protocol, env{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
			spans, _ := fixture(t)
			err := exp.ExportSpans(context.Background(), spans)
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("ExportSpans: %v, want the certificate's error", err)
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("%d connections, want 1 (no retry)", n)
			}
		})
	}
}

// TestClientCertificate: the client certificate the environment names
// is presented to a collector that requires one; without it, the
// collector refuses the export, which is not retried: the collector's TLS
// alert will not change. (It was retried until the export's time ran
// out.) The collector speaks TLS 1.2, which refuses within the handshake:
// TLS 1.3 refuses after it, and an attempt may first end with net/http's
// "client conn could not be established", which is retried once more.
func TestClientCertificate(t *testing.T) {
	var hellos atomic.Int32
	serverCert, caFile := selfSigned(t)
	clientCert, clientFile := selfSigned(t)
	keyFile := writeKey(t, clientCert)
	clients := x509.NewCertPool()
	clients.AppendCertsFromPEM(mustRead(t, clientFile))
	requireClient := func() *tls.Config {
		return &tls.Config{
			Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clients,
			MaxVersion: tls.VersionTLS12,
			GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
				hellos.Add(1)
				return nil, nil
			},
		}
	}
	for _, protocol := range []string{HTTPProtobuf, GRPC} {
		t.Run(protocol, func(t *testing.T) {
			hellos.Store(0)
			c := &collector{}
			var url string
			if protocol == GRPC {
				url = "https://" + grpcCollectorTLS(t, c, requireClient())
			} else {
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					c.next(received{})
				}))
				srv.TLS = requireClient()
				srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake's error is expected
				srv.StartTLS()
				t.Cleanup(srv.Close)
				url = srv.URL
			}
			spans, _ := fixture(t)
			e := env{"OTEL_EXPORTER_OTLP_ENDPOINT": url, "OTEL_EXPORTER_OTLP_CERTIFICATE": caFile}
			if err := exporter(t, protocol, e).ExportSpans(context.Background(), spans); err == nil || !strings.Contains(err.Error(), "remote error: tls") {
				t.Errorf("ExportSpans without a client certificate: %v, want the collector's refusal", err)
			}
			if n := hellos.Load(); n != 1 {
				t.Errorf("%d TLS handshakes, want 1 (no retry)", n)
			}
			e["OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE"] = clientFile
			e["OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"] = keyFile
			if err := exporter(t, protocol, e).ExportSpans(context.Background(), spans); err != nil {
				t.Errorf("ExportSpans with the client certificate: %v", err)
			}
			if n := len(c.calls()); n != 1 {
				t.Errorf("the collector got %d calls, want 1", n)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConcurrentExports: exports from several goroutines at once each
// reach the collector whole (run with -race).
func TestConcurrentExports(t *testing.T) {
	const n = 8
	for _, protocol := range []string{HTTPProtobuf, GRPC} {
		t.Run(protocol, func(t *testing.T) {
			c := &collector{}
			exp := exporter(t, protocol, env{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint(t, protocol, c), "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"})
			spans, want := fixture(t)
			errs := make(chan error, n)
			for range n {
				go func() { errs <- exp.ExportSpans(context.Background(), spans) }()
			}
			for range n {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
			c.check(t)
			got := c.calls()
			if len(got) != n {
				t.Fatalf("the collector got %d calls, want %d", len(got), n)
			}
			for _, r := range got {
				sameRequest(t, r.req, want)
			}
		})
	}
}

// TestGRPCToHTTP1: a TLS server that does not speak HTTP/2 refuses the
// gRPC exporter's ALPN, an answer that will not change: the export fails
// at once, saying so.
func TestGRPCToHTTP1(t *testing.T) {
	var hellos atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request got through: %s %s", r.Proto, r.URL)
	}))
	srv.TLS = &tls.Config{
		NextProtos: []string{"http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			hellos.Add(1)
			return nil, nil
		},
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake's error is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	exp := exporter(t, GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_EXPORTER_OTLP_CERTIFICATE": writePEM(t, srv.Certificate().Raw)})
	spans, _ := fixture(t)
	err := exp.ExportSpans(context.Background(), spans)
	if err == nil || !strings.Contains(err.Error(), "no application protocol") {
		t.Errorf("ExportSpans: %v, want the server's refusal of h2", err)
	}
	if n := hellos.Load(); n != 1 {
		t.Errorf("%d TLS handshakes, want 1 (no retry)", n)
	}
}

// TestShutdown: an exporter that was shut down exports nothing.
func TestShutdown(t *testing.T) {
	c := &collector{}
	exp := exporter(t, HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint(t, HTTPProtobuf, c)})
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans, _ := fixture(t)
	if err := exp.ExportSpans(context.Background(), spans); err == nil {
		t.Error("ExportSpans after Shutdown succeeded")
	}
	if err := exp.ExportSpans(context.Background(), nil); err == nil {
		t.Error("ExportSpans of no spans after Shutdown succeeded")
	}
	if n := len(c.calls()); n != 0 {
		t.Errorf("the collector got %d calls, want none", n)
	}
}

// TestNoRedirect: an exporter does not follow a redirect, which would
// send the configured headers (API keys) to whatever host it names; gRPC
// has no redirects at all. The export fails, naming the status and where
// the collector pointed.
func TestNoRedirect(t *testing.T) {
	both := func(h http.HandlerFunc) *httptest.Server {
		srv := httptest.NewUnstartedServer(h)
		var p http.Protocols
		p.SetHTTP1(true)
		p.SetUnencryptedHTTP2(true)
		srv.Config.Protocols = &p
		srv.Start()
		t.Cleanup(srv.Close)
		return srv
	}
	for _, protocol := range []string{HTTPProtobuf, GRPC} {
		t.Run(protocol, func(t *testing.T) {
			var reached atomic.Int32
			elsewhere := both(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				if k := r.Header.Get("X-Api-Key"); k != "" {
					t.Errorf("the redirect's target got x-api-key %q", k)
				}
			})
			redirector := both(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
			})
			exp := exporter(t, protocol, env{"OTEL_EXPORTER_OTLP_ENDPOINT": redirector.URL, "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=s3cret"})
			spans, _ := fixture(t)
			err := exp.ExportSpans(context.Background(), spans)
			if err == nil || !strings.Contains(err.Error(), "307") || !strings.Contains(err.Error(), elsewhere.URL) {
				t.Errorf("ExportSpans: %v, want the redirect's status and target", err)
			}
			if n := reached.Load(); n != 0 {
				t.Errorf("the redirect's target got %d requests, want none", n)
			}
		})
	}
}

// TestShutdownDuringExport: Shutdown ends an export still waiting for its
// collector, and leaves no connection open behind it. (The export went on
// until its time ran out, and its connection stayed in the pool after
// Shutdown had closed the idle ones.)
func TestShutdownDuringExport(t *testing.T) {
	for _, protocol := range []string{HTTPProtobuf, GRPC} {
		t.Run(protocol, func(t *testing.T) {
			arrived := make(chan struct{})
			closed := make(chan struct{})
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body) // so that HTTP/1.1 notices the client leave
				close(arrived)
				<-r.Context().Done()
			}))
			var p http.Protocols
			p.SetHTTP1(true)
			p.SetUnencryptedHTTP2(true)
			srv.Config.Protocols = &p
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateClosed {
					close(closed) // there is one connection
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			exp := exporter(t, protocol, env{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_EXPORTER_OTLP_TIMEOUT": "3000"})
			spans, _ := fixture(t)
			done := make(chan error, 1)
			go func() { done <- exp.ExportSpans(context.Background(), spans) }()
			<-arrived
			if err := exp.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err == nil || !strings.Contains(err.Error(), "shut down") {
				t.Errorf("ExportSpans: %v, want it ended by Shutdown", err)
			}
			select {
			case <-closed:
			case <-time.After(time.Minute): // not a measure: a guard against waiting forever
				t.Error("the exporter's connection is still open after Shutdown")
			}
		})
	}
}

// TestGRPCNotFromGRPC: an answer from something other than a gRPC server
// (a proxy in front of it) stands for the gRPC code its HTTP status maps
// to: 503 is UNAVAILABLE and retried, 401 UNAUTHENTICATED and not, and a
// 200 that is not application/grpc is UNKNOWN.
func TestGRPCNotFromGRPC(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 || r.Header.Get("Te") != "trailers" || r.Header.Get("Content-Type") != "application/grpc+proto" {
			t.Errorf("a gRPC call came as %s with te %q, content-type %q", r.Proto, r.Header.Get("Te"), r.Header.Get("Content-Type"))
		}
		switch calls.Add(1) {
		case 1:
			http.Error(w, "no backend", http.StatusServiceUnavailable)
		case 2:
			http.Error(w, "who are you", http.StatusUnauthorized)
		default:
			w.Write([]byte("<html>hello</html>"))
		}
	}))
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = &p
	srv.Start()
	t.Cleanup(srv.Close)

	exp := exporter(t, GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
	spans, _ := fixture(t)
	var s *StatusError
	err := exp.ExportSpans(context.Background(), spans)
	if !errors.As(err, &s) || s.CodeName() != "UNAUTHENTICATED" || !strings.Contains(s.Message, "who are you") {
		t.Errorf("ExportSpans: %v, want UNAUTHENTICATED with the body", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2 (503 retried, 401 not)", n)
	}
	err = exp.ExportSpans(context.Background(), spans)
	if !errors.As(err, &s) || s.CodeName() != "UNKNOWN" {
		t.Errorf("ExportSpans: %v, want UNKNOWN", err)
	}
}

// TestGRPCMalformedAnswers: an answer that is not a well-formed gRPC
// answer is an error naming what was wrong, read only up to a bound, and
// not retried.
func TestGRPCMalformedAnswers(t *testing.T) {
	frame := func(flags byte, n uint32, msg string) string {
		return string([]byte{flags, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}) + msg
	}
	for _, tc := range []struct {
		name     string
		encoding string // grpc-encoding of the answer
		body     string
		status   string // grpc-status trailer; "-" for none
		message  string
		want     string
	}{
		{"too large", "", frame(0, 2<<20, strings.Repeat("x", 2<<20)), "0", "", "INTERNAL: the answer is too large"},
		{"frame longer than the body", "", frame(0, 10, "abc"), "0", "", "INTERNAL: the answer's message is 3 bytes, its frame says 10"},
		{"cut short", "", "\x00\x00", "0", "", "INTERNAL: the answer's message is cut short"},
		{"unknown compression", "snappy", frame(1, 3, "abc"), "0", "", `compressed with "snappy"`},
		{"bad gzip", "gzip", frame(1, 3, "abc"), "0", "", "INTERNAL: the answer's message"},
		{"no status", "", "", "-", "", "INTERNAL: the answer has no grpc-status"},
		{"status not a number", "", "", "OK", "", `UNKNOWN: grpc-status "OK" is not a code`},
		{"bad percent-encoding", "", "", "3", "100%zz", "INVALID_ARGUMENT: 100%zz"},
		{"long message", "", "", "3", strings.Repeat("m", 1000), "INVALID_ARGUMENT: " + strings.Repeat("m", 200) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/grpc")
				if tc.encoding != "" {
					w.Header().Set("Grpc-Encoding", tc.encoding)
				}
				w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, tc.body)
				if tc.status != "-" {
					w.Header().Set("Grpc-Status", tc.status)
				}
				if tc.message != "" {
					w.Header().Set("Grpc-Message", tc.message)
				}
			}))
			var p http.Protocols
			p.SetUnencryptedHTTP2(true)
			srv.Config.Protocols = &p
			srv.Start()
			t.Cleanup(srv.Close)
			exp := exporter(t, GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
			spans, _ := fixture(t)
			err := exp.ExportSpans(context.Background(), spans)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ExportSpans: %v, want %q", err, tc.want)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d calls, want 1 (no retry)", n)
			}
		})
	}
}

// BenchmarkExportRequest is the cost of turning a batch of spans (the
// fixture's five) into the bytes of an export request.
func BenchmarkExportRequest(b *testing.B) {
	spans, _ := fixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := exportRequest(spans, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHTTPAnswers: a 2xx answer is read as an ExportTraceServiceResponse
// only when it says it is protobuf; one that is protobuf but cannot be
// read is an error.
func TestHTTPAnswers(t *testing.T) {
	for _, tc := range []struct {
		contentType, body string
		ok                bool
	}{
		{"text/plain; charset=utf-8", "ok", true},
		{"", "", true},
		{"application/x-protobuf", "", true},
		{"application/x-protobuf", "\x0a\x05", false}, // partial_success cut short
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{tc.contentType}
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, tc.body)
		}))
		exp := exporter(t, HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
		spans, _ := fixture(t)
		if err := exp.ExportSpans(context.Background(), spans); (err == nil) != tc.ok {
			t.Errorf("answer %q %q: ExportSpans: %v, want ok %v", tc.contentType, tc.body, err, tc.ok)
		}
		srv.Close()
	}
}

// TestErrorHidesPassword: an endpoint's password never shows in an
// export's error, whether the collector refused or could not be reached.
func TestErrorHidesPassword(t *testing.T) {
	c := &collector{answers: []answer{{status: http.StatusBadRequest}}}
	refuses := strings.Replace(httpCollector(t, c, false).URL, "http://", "http://user:s3cret@", 1)
	gone := httpCollector(t, &collector{}, false)
	gone.Close()
	unreachable := strings.Replace(gone.URL, "http://", "http://user:s3cret@", 1)
	for _, endpoint := range []string{refuses, unreachable} {
		exp := exporter(t, HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_TIMEOUT": "100"})
		spans, _ := fixture(t)
		err := exp.ExportSpans(context.Background(), spans)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ExportSpans to %s: %v, want an error without the password", endpoint, err)
		}
	}
}
