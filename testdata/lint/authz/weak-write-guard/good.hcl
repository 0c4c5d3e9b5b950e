# Writing needs a scope that readers lack; a read guard on another source does
# not count.
auth {
  api_key "reporting" {
    hash    = "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a"
    subject = "reporting"
    scopes  = ["orders.read"]
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

source "sql" "audit" {
  driver = "sqlite"
  dsn    = "file:audit.db"
}

tool "get_order" {
  description = "One order."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scopes"
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "SELECT id, status FROM orders WHERE id = :id"
  result {
    one = true
  }
}

tool "cancel_order" {
  description = "Cancels one order."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scopes && 'orders.write' in principal.scopes"
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "UPDATE orders SET status = 'cancelled' WHERE id = :id"
}

tool "note_access" {
  description = "Records that someone looked at an order."
  source      = source.sql.audit
  guard       = "'orders.read' in principal.scopes"
  read_only   = false
  destructive = false
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "INSERT INTO seen (order_id) VALUES (:id)"
}
