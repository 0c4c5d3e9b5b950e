# The "full stack" of issue 16, for mcpgen bench: an API key, a guard, a
# bind of the caller's org, the audit trail to a file (fsync once a
# second), a rate limit per caller and one per client address, metrics on
# (always, on /metrics). BENCH_DB names the SQLite file, which is seeded
# with 100,000 orders of the caller's org when empty; BENCH_AUDIT the audit
# file. docs/performance.md has the commands.
server {
  name    = "fullstack"
  version = "1.0.0"
}

audit {
  sink  = "file"
  path  = env("BENCH_AUDIT")
  fsync = "interval"
}

auth {
  resource = "http://127.0.0.1:8080/mcp"
  api_key "bench" {
    hash    = "sha256:3627b0eaf8d55e5c4d30cc2e4f3f347c42a1f729973535e8dd3724cb56e08160" # mcpk_bench_key
    subject = "bench"
    scopes  = ["orders.read"]
    claims  = { org = "acme" }
  }
}

limits {
  rate_limit {
    rate  = "1000000000/s"
    burst = 1000000000
    key   = "principal"
  }
  http_rate_limit {
    rate  = "1000000000/s"
    burst = 1000000000
  }
}

source "sql" "orders" {
  driver = "sqlite"
  dsn    = env("BENCH_DB")
  seed   = file("orders.sql")
}

tool "get_order" {
  description = "Look up one order by its id."
  source      = source.sql.orders
  guard       = "'orders.read' in principal.scopes"

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order id."
  }
  bind "org" {
    from = "principal.claims.org"
  }

  sql = "SELECT id, status, total_cents, placed_at FROM orders WHERE id = :order_id AND org = :org"

  result {
    one       = true
    not_found = "No order with that id."
  }
}
