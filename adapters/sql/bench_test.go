package sql

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// BenchmarkCallByPrimaryKey measures one Call of a one-row lookup on a
// 100k-row SQLite table: binding, the query, reading the row and turning
// it into structuredContent. Sub-benchmarks compare keeping a prepared
// statement per tool with preparing on every call.
func BenchmarkCallByPrimaryKey(b *testing.B) {
	dir := b.TempDir()
	seed := `CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT NOT NULL, total_cents INTEGER NOT NULL, placed_at DATETIME NOT NULL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
INSERT INTO orders SELECT x, 'shipped', x * 7, '2024-05-06 07:08:09' FROM c;`
	config := sourceHCL("sqlite", filepath.Join(dir, "bench.db"), seed) + `
tool "get_order" {
  param "order_id" {}
  sql = "SELECT id, status, total_cents, placed_at FROM orders WHERE id = :order_id"
  result {
    one = true
  }
}
`
	// "deadline" runs under a context that can end, as every call does
	// (the tool's timeout): database/sql and the driver then each start a
	// goroutine per query to watch it.
	for _, bm := range []struct {
		name     string
		prepare  bool
		deadline bool
	}{{"prepared", true, false}, {"unprepared", false, false}, {"prepared-deadline", true, true}} {
		b.Run(bm.name, func(b *testing.B) {
			old := prepareSQLite
			prepareSQLite = bm.prepare
			defer func() { prepareSQLite = old }()
			_, tools := openConfig(b, config, serveOpts())
			tool := tools["get_order"]
			ctx := context.Background()
			if bm.deadline {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Hour)
				defer cancel()
			}
			args := map[string]any{"order_id": int64(0)}
			c := &adapter.Call{Tool: "get_order", Args: args}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				args["order_id"] = int64(i%100000 + 1)
				i++
				if _, err := tool.Call(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
