# guarded.hcl with the API key alone: BenchmarkHTTPCallTraced, whose counts
# of instructions a JWT issuer's key generation (random primes) would blur.
source "sql" "orders" {
  driver = "sqlite"
  dsn    = env("BENCH_DB")
  seed   = file("orders.sql")
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

tool "get_order" {
  description = "Look up one order by its number."
  source      = source.sql.orders
  guard       = "'orders.read' in principal.scopes"
  param "order_id" {
    type    = "integer"
    minimum = 1
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT id, status, total_cents, placed_at FROM orders WHERE id = :order_id AND org = :org"
  result { one = true }
}
