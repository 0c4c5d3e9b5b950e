# One row, or an explicit cap; completions are capped by the protocol.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  description = "One order."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "SELECT id FROM orders WHERE id = :id"
  result {
    one = true
  }
}

tool "list_orders" {
  description = "Lists orders."
  source      = source.sql.db
  sql         = "SELECT id FROM orders"
  result {
    max_rows = 25
  }
}

prompt "order_summary" {
  description = "Summarize an order."
  argument "id" {
    description = "The order number."
    complete {
      source = source.sql.db
      sql    = "SELECT CAST(id AS TEXT) FROM orders WHERE CAST(id AS TEXT) LIKE :value || '%'"
    }
  }
  message "user" "text" {
    text = "Summarize order {{id}}."
  }
}
