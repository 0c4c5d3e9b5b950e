# The limits block's default rate limit applies to every tool without its own.
auth {
  resource = "https://mcp.shop.example.com/mcp"
  api_key "agent" {
    hash    = "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a"
    subject = "agent"
    scopes  = ["orders.write"]
  }
}

limits {
  rate_limit {
    rate = "60/m"
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
