package otlp

import (
	"encoding/base64"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
)

// TestConfigFromEnv: each setting comes from its per-signal variable,
// else the generic one; a generic http/protobuf endpoint is a base URL.
func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name     string
		protocol string
		env      env
		want     Config
	}{
		{"http defaults", HTTPProtobuf, env{}, Config{Protocol: HTTPProtobuf}},
		{"generic http endpoint gets the path", HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://c.example:4318/otlp/"},
			Config{Protocol: HTTPProtobuf, Endpoint: "https://c.example:4318/otlp/v1/traces"}},
		{"generic http endpoint with a query", HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://c.example/otlp?tenant=a"},
			Config{Protocol: HTTPProtobuf, Endpoint: "https://c.example/otlp/v1/traces?tenant=a"}},
		{"generic http endpoint with the path already", HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/v1/traces"},
			Config{Protocol: HTTPProtobuf, Endpoint: "http://c:4318/v1/traces/v1/traces"}},
		{"generic http endpoint ipv6", HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://[::1]:4318"},
			Config{Protocol: HTTPProtobuf, Endpoint: "http://[::1]:4318/v1/traces"}},
		{"grpc endpoint ipv6 host:port", GRPC, env{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "[::1]:4317", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4317"},
			Config{Protocol: GRPC, Endpoint: "[::1]:4317"}},
		{"per-signal http endpoint as it is", HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/custom"},
			Config{Protocol: HTTPProtobuf, Endpoint: "http://c:4318/custom"}},
		{"grpc endpoint as it is", GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://c.example:4317"},
			Config{Protocol: GRPC, Endpoint: "https://c.example:4317"}},
		{"grpc insecure host:port", GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "c:4317", "OTEL_EXPORTER_OTLP_TRACES_INSECURE": "TRUE", "OTEL_EXPORTER_OTLP_INSECURE": "false"},
			Config{Protocol: GRPC, Endpoint: "c:4317", Insecure: true}},
		{"timeout and compression", HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_COMPRESSION": "none"},
			Config{Protocol: HTTPProtobuf, Timeout: 2500 * time.Millisecond, Gzip: true}},
		{"per-signal compression none", HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "none", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"},
			Config{Protocol: HTTPProtobuf}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromEnv(tc.protocol, tc.env.get)
			if err != nil {
				t.Fatal(err)
			}
			if got.Protocol != tc.want.Protocol || got.Endpoint != tc.want.Endpoint || got.Insecure != tc.want.Insecure ||
				got.Timeout != tc.want.Timeout || got.Gzip != tc.want.Gzip || got.TLS != nil || len(got.Headers) != 0 {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestConfigFromEnvTLS: the CA and the client certificate are read from
// the files the variables name.
func TestConfigFromEnvTLS(t *testing.T) {
	cert, caFile := selfSigned(t)
	keyFile := writeKey(t, cert)
	c, err := ConfigFromEnv(GRPC, env{
		"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": caFile,
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": caFile,
		"OTEL_EXPORTER_OTLP_CLIENT_KEY":         keyFile,
	}.get)
	if err != nil {
		t.Fatal(err)
	}
	if c.TLS == nil || c.TLS.RootCAs == nil || len(c.TLS.Certificates) != 1 {
		t.Fatalf("TLS config %+v: want the CA and one client certificate", c.TLS)
	}
	if string(c.TLS.Certificates[0].Certificate[0]) != string(cert.Certificate[0]) {
		t.Error("the client certificate is not the file's")
	}
}

// TestConfigFromEnvErrors: a value that cannot be used is an error
// naming its variable, and never shows a header's value or an
// endpoint's password.
func TestConfigFromEnvErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, caFile := selfSigned(t)
	for _, tc := range []struct {
		protocol string
		env      env
		want     string // in the error, with the variable's name
	}{
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "::not a url"}, "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://c/v1/traces"}, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "c:4318"}, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "c"}, "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{GRPC, env{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "unix:///tmp/s"}, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_HEADERS": "authorization"}, "OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not key=value"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "a=1,bad key=secret"}, "OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 2"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_HEADERS": "k=%zzsecret"}, "OTEL_EXPORTER_OTLP_HEADERS: entry 1 (k)"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_HEADERS": "k=secret%0Ax"}, "OTEL_EXPORTER_OTLP_HEADERS: entry 1 (k)"},
		// net/http refuses to send these: each export failed, and was retried.
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_HEADERS": "a=1,k=secret%01x"}, "OTEL_EXPORTER_OTLP_HEADERS: entry 2 (k): the value holds a control character"},
		{GRPC, env{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "k=secret%7F"}, "OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 1 (k): the value holds a control character"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, "OTEL_EXPORTER_OTLP_TIMEOUT"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "0"}, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, "OTEL_EXPORTER_OTLP_COMPRESSION"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_CERTIFICATE": filepath.Join(dir, "missing.pem")}, "OTEL_EXPORTER_OTLP_CERTIFICATE"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": notPEM}, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": caFile}, "OTEL_EXPORTER_OTLP_CLIENT_KEY"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY": caFile}, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE"},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": caFile, "OTEL_EXPORTER_OTLP_CLIENT_KEY": notPEM}, "OTEL_EXPORTER_OTLP_CLIENT_KEY"},
		{GRPC, env{"OTEL_EXPORTER_OTLP_INSECURE": "yes"}, "OTEL_EXPORTER_OTLP_INSECURE"},
		// An endpoint's password does not show, whether or not it parses.
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://user:secret@c/v1/traces"}, `"ftp://user:xxxxx@c/v1/traces" must be`},
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:secret@c:port/"}, `"http://user:xxxxx@c:port/v1/traces" is not a URL`},
		{GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "unix://user:secret@c/s"}, `"unix://user:xxxxx@c/s" must be`},
		{GRPC, env{"OTEL_EXPORTER_OTLP_ENDPOINT": "user:secret@c:4317"}, `"user:xxxxx@c:4317" must be`},
		// Nor does a value written where the name should be.
		{HTTPProtobuf, env{"OTEL_EXPORTER_OTLP_HEADERS": "api-key:secret=="}, "OTEL_EXPORTER_OTLP_HEADERS: entry 1: the name before = holds ':', which a header name cannot"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := ConfigFromEnv(tc.protocol, tc.env.get)
			if err == nil {
				t.Fatalf("%v: no error", tc.env)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows a header's value or a password", err)
			}
		})
	}
}

// TestNewErrors: a configuration New cannot use is an error naming
// what was wrong (the block's endpoint comes this way).
func TestNewErrors(t *testing.T) {
	for _, c := range []Config{
		{Protocol: "http/json"},
		{Protocol: HTTPProtobuf, Endpoint: "localhost:4318"},
		{Protocol: GRPC, Endpoint: "dns:///c:4317"},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v): no error", c)
		} else if !strings.Contains(err.Error(), cmpOr(c.Endpoint, c.Protocol)) {
			t.Errorf("New(%+v): %v does not name the value", c, err)
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestGRPCTimeout(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1500 * time.Microsecond: "2m",
		10 * time.Second:        "10000m",
		30 * time.Hour:          "108000S",
	} {
		if got := grpcTimeout(d); got != want {
			t.Errorf("grpcTimeout(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestRetryDelay: grpc-status-details-bin is read for a RetryInfo's
// delay, with or without base64 padding; anything else asks for none.
func TestRetryDelay(t *testing.T) {
	details := func(delay *durationpb.Duration, others ...proto.Message) string {
		var ds []protoadapt.MessageV1
		for _, m := range append(others, newRetryInfo(t, delay)) {
			ds = append(ds, protoadapt.MessageV1Of(m))
		}
		s, err := status.New(codes.Unavailable, "").WithDetails(ds...)
		if err != nil {
			t.Fatal(err)
		}
		b, err := proto.Marshal(s.Proto())
		if err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	for _, tc := range []struct {
		name  string
		value string
		want  time.Duration
		ok    bool
	}{
		{"padded", details(durationpb.New(1500 * time.Millisecond)), 1500 * time.Millisecond, true},
		{"unpadded", strings.TrimRight(details(durationpb.New(2*time.Second)), "="), 2 * time.Second, true},
		{"after another detail", details(durationpb.New(time.Second), durationpb.New(time.Hour)), time.Second, true},
		{"zero", details(&durationpb.Duration{}), 0, true},
		{"longer than a Duration", details(&durationpb.Duration{Seconds: 1 << 62}), math.MaxInt64, true},
		{"negative", details(&durationpb.Duration{Seconds: -1}), 0, false},
		{"nanos out of range", details(&durationpb.Duration{Seconds: 1<<33 - 1, Nanos: 1<<31 - 1}), 0, false},
		{"none", "", 0, false},
		{"not base64", "!!!", 0, false},
		{"not protobuf", base64.StdEncoding.EncodeToString([]byte{0xff, 0xff}), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := retryDelay(tc.value); got != tc.want || ok != tc.ok {
				t.Errorf("retryDelay = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
