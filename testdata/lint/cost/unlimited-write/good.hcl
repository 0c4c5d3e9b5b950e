# A rate limit of its own, or the limits block's default, bounds every write tool.
auth {
  resource = "https://mcp.shop.example.com/mcp"
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
  rate_limit {
    rate = "10/m"
  }
}
