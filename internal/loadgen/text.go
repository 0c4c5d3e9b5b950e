package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteText prints the result for people.
func (res *Result) WriteText(w io.Writer) {
	for i, r := range res.Reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (%s)\n", r.Target, r.Transport)
		fmt.Fprintf(w, "  calls        %d in %.1fs, %d clients: %.0f calls/s\n", r.Calls, r.Seconds, r.Concurrency, r.PerSecond)
		if len(r.RoundPerSec) > 1 {
			fmt.Fprintf(w, "  per round    %s calls/s\n", floats(r.RoundPerSec, 0))
		}
		fmt.Fprintf(w, "  latency      p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n",
			r.LatencyMs.P50, r.LatencyMs.P90, r.LatencyMs.P99, r.LatencyMs.Max)
		fmt.Fprintf(w, "  errors       %d", r.Errors)
		if r.Errors > 0 {
			for _, class := range slices.Sorted(maps.Keys(r.ErrorClasses)) {
				fmt.Fprintf(w, "\n    %-14s %d, e.g. %s", class, r.ErrorClasses[class], r.ErrorSamples[class])
			}
		}
		fmt.Fprintln(w)
		if r.ServerCPUMicrosPerCall > 0 {
			fmt.Fprintf(w, "  server CPU   %.1f µs/call\n", r.ServerCPUMicrosPerCall)
		}
		if r.StartMs > 0 {
			fmt.Fprintf(w, "  start        %.1f ms to the first answered initialize\n", r.StartMs)
		}
		if r.IdleRSSMiB > 0 {
			fmt.Fprintf(w, "  memory       RSS %.1f MiB idle, %.1f MiB after the load; anonymous %.1f and %.1f MiB\n",
				r.IdleRSSMiB, r.LoadRSSMiB, r.IdleAnonMiB, r.LoadAnonMiB)
		}
		if r.OtherCores > 0 || r.Redone > 0 {
			fmt.Fprintf(w, "  other load   up to %.2f cores used by other processes during a kept run", r.OtherCores)
			if r.Redone > 0 {
				fmt.Fprintf(w, "; %d runs redone", r.Redone)
			}
			fmt.Fprintln(w)
		}
	}
	if c := res.Compare; c != nil {
		a, b := res.Reports[0].Target, res.Reports[1].Target
		fmt.Fprintf(w, "\n%s / %s, from alternating runs\n", b, a)
		fmt.Fprintf(w, "  calls/s      %.3f", c.PerSecond)
		if len(c.RoundPerSecond) > 1 {
			fmt.Fprintf(w, " (per round %s)", floats(c.RoundPerSecond, 3))
		}
		fmt.Fprintf(w, "\n  latency      p50 %.3f  p99 %.3f\n", c.P50, c.P99)
		if c.ServerCPU > 0 {
			fmt.Fprintf(w, "  server CPU   %.3f per call\n", c.ServerCPU)
		}
	}
}

func floats(v []float64, prec int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.*f", prec, x)
	}
	return strings.Join(s, " ")
}
