# A server on loopback (its resource URL says so) answers local clients only.
auth {
  resource = "http://127.0.0.1:8080/mcp"
  api_key "agent" {
    hash    = "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a"
    subject = "agent"
    scopes  = ["orders.write"]
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "cancel_order" {
  description = "Cancels one order."
  source      = source.sql.db
  guard       = "'orders.write' in principal.scopes"
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "UPDATE orders SET status = 'cancelled' WHERE id = :id"
}
