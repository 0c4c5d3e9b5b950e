package otlp_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

// spanNames is a gRPC collector that keeps the names of the spans it is
// sent, with their resources' service.name.
type spanNames struct {
	coltracepb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	names []string
}

func (s *spanNames) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		var service string
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.Key == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, span := range ss.Spans {
				s.names = append(s.names, service+" "+span.Name)
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// TestNewTracingGRPC: a telemetry block asking for gRPC sends the spans
// to its endpoint over gRPC, whatever endpoint the environment names.
func TestNewTracingGRPC(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &spanNames{}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, c)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")

	tm := &cfg.Telemetry{Exporter: "otlp", Protocol: "grpc", Endpoint: "http://" + lis.Addr().String(), SampleRatio: 1, ServiceName: "by-block"}
	tr, err := runtime.NewTracing(context.Background(), tm, "server", "1")
	if err != nil || tr == nil {
		t.Fatalf("NewTracing: %v, %v", tr, err)
	}
	_, q := tr.StartRequest(context.Background(), http.Header{}, "POST /mcp")
	q.End("")
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.names) != 1 || c.names[0] != "by-block POST /mcp" {
		t.Errorf("the collector got %q, want the span of service by-block", c.names)
	}
}

// TestNewTracingBadEnv: an exporter setting that cannot be used stops
// tracing from starting, with an error naming the variable.
func TestNewTracingBadEnv(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "lz4")
	tr, err := runtime.NewTracing(context.Background(), nil, "server", "1")
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION") {
		t.Errorf("NewTracing: %v, %v; want an error naming OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", tr, err)
	}
}

// TestNewTracingBlockEndpointWins: with the block naming the collector, an
// endpoint in the environment that could not be used is not read at all.
func TestNewTracingBlockEndpointWins(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "::")
	tr, err := runtime.NewTracing(context.Background(), &cfg.Telemetry{Exporter: "otlp", Endpoint: "http://127.0.0.1:4318", SampleRatio: 1}, "server", "1")
	if err != nil {
		t.Fatalf("NewTracing with the block's endpoint: %v", err)
	}
	_ = tr.Shutdown(context.Background())
	if _, err := runtime.NewTracing(context.Background(), nil, "server", "1"); err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
		t.Fatalf("NewTracing without a block: %v; want an error naming OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", err)
	}
}
