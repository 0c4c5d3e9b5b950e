# 100k orders and one lookup by primary key: the shape the benchmarks and
# the load test measure.
source "sql" "orders" {
  driver = "sqlite"
  dsn    = env("BENCH_DB")
  seed   = <<-SQL
    CREATE TABLE orders (
      id          INTEGER PRIMARY KEY,
      org         TEXT      NOT NULL,
      status      TEXT      NOT NULL,
      total_cents INTEGER   NOT NULL,
      placed_at   TIMESTAMP NOT NULL
    );
    INSERT INTO orders (id, org, status, total_cents, placed_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
    SELECT i,
           CASE i % 2 WHEN 0 THEN 'acme' ELSE 'globex' END,
           CASE i % 5 WHEN 0 THEN 'pending' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' WHEN 3 THEN 'delivered' ELSE 'cancelled' END,
           1000 + (i * 7919) % 100000,
           '2026-01-01T00:00:00Z'
      FROM n;
  SQL
}

tool "get_order" {
  description = "Look up one order by its number."
  source      = source.sql.orders
  param "order_id" {
    type    = "integer"
    minimum = 1
  }
  sql    = "SELECT id, status, total_cents, placed_at FROM orders WHERE id = :order_id"
  result { one = true }
}
