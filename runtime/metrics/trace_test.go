package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestDroppedSpans: the count is read at each scrape, not copied once.
func TestDroppedSpans(t *testing.T) {
	m := New()
	var dropped atomic.Uint64
	m.DroppedSpans(dropped.Load)
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	if got := scrape(); !strings.Contains(got, "\nmcpgen_trace_spans_dropped_total 0\n") {
		t.Fatalf("no zero count in:\n%s", got)
	}
	dropped.Store(12)
	if got := scrape(); !strings.Contains(got, "\nmcpgen_trace_spans_dropped_total 12\n") {
		t.Errorf("the count did not follow the source:\n%s", got)
	}
}
