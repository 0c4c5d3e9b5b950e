# mcpgen with nothing on top of the query: no auth, no guard, no limits,
# the audit trail to stderr (the default). The same database as
# fullstack.hcl, which seeds it.
server {
  name    = "open"
  version = "1.0.0"
}

source "sql" "orders" {
  driver = "sqlite"
  dsn    = env("BENCH_DB")
}

tool "get_order" {
  description = "Look up one order by its id."
  source      = source.sql.orders

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order id."
  }

  sql = "SELECT id, status, total_cents, placed_at FROM orders WHERE id = :order_id"

  result {
    one       = true
    not_found = "No order with that id."
  }
}
