# cost/unlimited-write: the resource URL says the server is reached from other
# machines, and cancel_order can be called as fast as the server answers.
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

tool "cancel_order" { # want: cost/unlimited-write: tool "cancel_order" writes and has no rate limit, and the server listens beyond loopback (the auth block's resource https://mcp.shop.example.com/mcp)
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
