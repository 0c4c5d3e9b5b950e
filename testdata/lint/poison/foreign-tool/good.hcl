# Naming this configuration's own tools, prompts, resources and params is how
# descriptions tell similar tools apart.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  description = "One order by number. To find orders by email use list_orders instead; use the same tool again for another order."
  source      = source.sql.db
  param "order_id" {
    type        = "integer"
    description = "The order number; use order_id from list_orders. Dates use `YYYY-MM-DD`; use ISO_8601 or snake_case keys."
  }
  sql = "SELECT :order_id AS id"
  result {
    one = true
  }
}

tool "list_orders" {
  description = "Orders by email. Use `get_order` for one order, or read the order_help resource. Use it sparingly."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result {
    max_rows = 10
  }
}

resource "order_help" {
  uri         = "docs://order_help"
  description = "How orders work; call get_order to see one."
  text        = "Orders move from pending to shipped."
}
