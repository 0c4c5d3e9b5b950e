# cost/unbounded-read: rows without an explicit cap.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "list_orders" {
  description = "Lists orders."
  source      = source.sql.db
  sql         = "SELECT id FROM orders" # want: cost/unbounded-read: tool "list_orders" returns rows without max_rows
}

tool "recent_orders" {
  description = "Lists recent orders."
  source      = source.sql.db
  sql         = "SELECT id FROM orders ORDER BY id DESC"
  result {} # want: tool "recent_orders" returns rows without max_rows
}

resource "orders_of" {
  uri_template = "orders://customer/{id}"
  description  = "A customer's orders."
  source       = source.sql.db
  param "id" {
    type        = "integer"
    description = "The customer's id."
  }
  sql = "SELECT id FROM orders WHERE customer_id = :id" # want: resource "orders_of" returns rows
}
