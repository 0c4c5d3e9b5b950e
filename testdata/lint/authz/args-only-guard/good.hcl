# Arguments checked in addition to the caller are fine; so is a guard on the
# transport alone (it is not client-controlled).
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  description = "One order."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scopes && args.id < 1000"
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "SELECT id FROM orders WHERE id = :id"
  result {
    one = true
  }
}

tool "local_stats" {
  description = "Statistics, for local clients only."
  source      = source.sql.db
  guard       = "request.transport == 'stdio'"
  sql         = "SELECT COUNT(*) AS n FROM orders"
  result {
    one = true
  }
}
