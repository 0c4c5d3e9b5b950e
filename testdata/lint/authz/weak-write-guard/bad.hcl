# authz/weak-write-guard: whoever may read the source may write it.
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

tool "get_order" {
  description = "One order."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scopes && principal.sub != ''"
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
  guard       = "principal.sub != '' && 'orders.read' in principal.scopes" # want: authz/weak-write-guard: tool "cancel_order" writes to source sql.db, but its guard is implied by the guard of tool "get_order"
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "UPDATE orders SET status = 'cancelled' WHERE id = :id"
}

tool "refund_order" {
  description = "Refunds one order."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scopes || 'orders.admin' in principal.scopes" # want: tool "refund_order" writes to source sql.db, but its guard is implied by
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "UPDATE orders SET status = 'refunded' WHERE id = :id"
}
