# 100k orders and one lookup by primary key: the shape the benchmarks and
# the load test measure.
source "sql" "orders" {
  driver = "sqlite"
  dsn    = env("BENCH_DB")
  seed   = file("orders.sql")
}

tool "get_order" {
  description = "Look up one order by its number."
  source      = source.sql.orders
  param "order_id" {
    type    = "integer"
    minimum = 1
  }
  sql = "SELECT id, status, total_cents, placed_at FROM orders WHERE id = :order_id"
  result { one = true }
}
