package metrics

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestCallSeries: calls are counted by tool and outcome, known outcomes
// and others alike, and their durations observed by tool; a series appears
// only once it has counted something.
func TestCallSeries(t *testing.T) {
	m := New()
	for range 3 {
		m.Call("get_order", "ok", time.Millisecond)
	}
	m.Call("get_order", "denied", time.Millisecond)
	m.Call("get_order", "something_new", time.Millisecond)
	m.Call("list_orders", "ok", 2*time.Second)
	families, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var calls, durations []string
	for _, f := range families {
		for _, s := range f.GetMetric() {
			var labels string
			for _, l := range s.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + " "
			}
			switch f.GetName() {
			case "mcpgen_tool_calls_total":
				calls = append(calls, fmt.Sprintf("%s%g", labels, s.GetCounter().GetValue()))
			case "mcpgen_tool_call_duration_seconds":
				durations = append(durations, fmt.Sprintf("%s%d %g", labels, s.GetHistogram().GetSampleCount(), s.GetHistogram().GetSampleSum()))
			}
		}
	}
	slices.Sort(calls)
	slices.Sort(durations)
	wantCalls := []string{"outcome=denied tool=get_order 1", "outcome=ok tool=get_order 3", "outcome=ok tool=list_orders 1", "outcome=something_new tool=get_order 1"}
	if !slices.Equal(calls, wantCalls) {
		t.Errorf("calls:\n%q\nwant\n%q", calls, wantCalls)
	}
	wantDurations := []string{"tool=get_order 5 0.005", "tool=list_orders 1 2"}
	if !slices.Equal(durations, wantDurations) {
		t.Errorf("durations:\n%q\nwant\n%q", durations, wantDurations)
	}
}

// BenchmarkCall is what counting one call costs.
func BenchmarkCall(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for b.Loop() {
		m.Call("get_order", "ok", time.Millisecond)
	}
}
