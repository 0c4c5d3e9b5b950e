# Every param and prompt argument says what it is, with an example.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  description = "One order."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    minimum     = 1
    description = "The order number, e.g. 1042."
  }
  sql = "SELECT :id AS id"
  result {
    one = true
  }
}

prompt "summarize" {
  description = "Summarize an order."
  argument "id" {
    description = "The order number, e.g. 1042."
  }
  message "user" "text" {
    text = "Summarize order {{id}}."
  }
}
