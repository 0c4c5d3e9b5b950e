# Each suppression suppresses a finding; several may stand above one line.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "list_orders" {
  description = "Orders."
  source      = source.sql.db
  # mcpgen:ignore cost/select-star the view's columns are the contract
  # mcpgen:ignore cost/unbounded-read the view returns one page of 20
  sql = "SELECT * FROM order_page"
}
