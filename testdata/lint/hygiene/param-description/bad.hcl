# hygiene/param-description: the model must guess what to send.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  description = "One order."
  source      = source.sql.db
  param "id" { # want: hygiene/param-description: param "id" of tool "get_order" has no description
    type    = "integer"
    minimum = 1
  }
  sql = "SELECT :id AS id"
  result {
    one = true
  }
}

prompt "summarize" {
  description = "Summarize an order."
  argument "id" {} # want: argument "id" of prompt "summarize" has no description
  message "user" "text" {
    text = "Summarize order {{id}}."
  }
}
