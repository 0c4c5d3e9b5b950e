# Named columns; a * that is a count, a product or text is not a select list.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "stats" {
  description = "Order statistics."
  source      = source.sql.db
  sql         = <<-SQL
    SELECT COUNT(*) AS n, SUM(qty * price) AS total, '*' AS star, 2 * 3 AS six
      FROM orders /* SELECT * FROM nothing */
  SQL
  result {
    one = true
  }
}

tool "in_select" {
  description = "Rows counted in a subquery."
  source      = source.sql.db
  sql         = "SELECT id, (SELECT COUNT(*) FROM lines l WHERE l.order_id = o.id) AS lines FROM orders o"
  result {
    max_rows = 10
  }
}
