package main

import (
	"bufio"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestServeKeepsHeapFloor serves over HTTP and reads the runtime's GC
// percent from /metrics: above 100 with GOGC unset (a small live heap under
// the floor of internal/heapfloor), the operator's value when GOGC is set.
func TestServeKeepsHeapFloor(t *testing.T) {
	t.Setenv("GOGC", "") // restored after the test
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		env  []string
		ok   func(percent int) bool
		want string
	}{
		{"unset", nil, func(p int) bool { return p > 100 && p <= 400 }, "above 100, at most 400"},
		{"GOGC=100", []string{"GOGC=100"}, func(p int) bool { return p == 100 }, "100"},
		{"GOGC=50", []string{"GOGC=50"}, func(p int) bool { return p == 50 }, "50"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, url, _ := serveProcess(t, append(benchEnv(t), c.env...), "--listen", "127.0.0.1:0", "testdata/bench/orders.hcl")
			percent := gcPercent(t, strings.TrimSuffix(url, "/mcp")+"/metrics")
			if !c.ok(percent) {
				t.Fatalf("go_gc_gogc_percent %d, want %s", percent, c.want)
			}
		})
	}
}

func gcPercent(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "go_gc_gogc_percent "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("go_gc_gogc_percent %q: %v", v, err)
			}
			return int(n)
		}
	}
	t.Fatalf("no go_gc_gogc_percent in %s (%v)", url, lines.Err())
	return 0
}
