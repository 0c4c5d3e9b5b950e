package http

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// BenchmarkCallOverhead compares one HTTP tool call with a hand-written
// net/http request to the same local upstream that reads and decodes the
// same body. "direct" and "tool" report their p50 per call; the overhead is
// the difference. The target is under 1 ms at p50.
func BenchmarkCallOverhead(b *testing.B) {
	up := newUpstream(b, jsonHandler(200, `{"sku": "TN-LAP-101", "available": 42, "warehouses": [{"warehouse": "CMH", "quantity": 20}, {"warehouse": "RNO", "quantity": 22}]}`))
	_, tools := openConfig(b, stockConfig, up.URL)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	b.Run("direct", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			req, _ := http.NewRequestWithContext(context.Background(), "GET", up.URL+"/api/v1/stock/TN-LAP-101", nil)
			req.Header.Set("Authorization", "Bearer server-s3cret-token")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		reportP50(b, lat)
	})
	b.Run("tool", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		args := map[string]any{"sku": "TN-LAP-101"}
		for b.Loop() {
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_, err := tools["stock"].Call(ctx, &adapter.Call{Args: args})
			cancel()
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		reportP50(b, lat)
	})
}

func reportP50(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
}
