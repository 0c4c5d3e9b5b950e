# authz/args-only-guard: the client chooses the arguments, so it passes the guard.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  description = "One order."
  source      = source.sql.db
  guard       = "args.id < 1000" # want: authz/args-only-guard: the guard of tool "get_order" reads args but never principal
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "SELECT id FROM orders WHERE id = :id"
  result {
    one = true
  }
}

resource "order" {
  uri_template = "orders://{id}"
  description  = "One order."
  source       = source.sql.db
  guard        = "args.id != 0 && request.transport == 'http'" # want: the guard of resource "order" reads args but never principal
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "SELECT id FROM orders WHERE id = :id"
  result {
    one = true
  }
}
