# The configuration the runner's own tests exercise: guards, binds,
# validation, a rate limit, an HTTP source, a resource and a prompt.

server {
  name    = "shop"
  version = "1.0.0"
}

auth {
  resource = "http://127.0.0.1:8080/mcp"
  scopes   = ["orders.read", "orders.write"]

  jwt {
    issuer   = env("SHOP_ISSUER", "http://127.0.0.1:1")
    jwks_url = env("SHOP_JWKS_URL", "http://127.0.0.1:1/jwks.json")
  }

  stdio {
    subject = "local"
    scopes  = ["orders.read"]
    claims  = { org = "globex" }
  }
}

source "sql" "orders" {
  driver = env("SHOP_DRIVER", "sqlite")
  dsn    = env("SHOP_DB", "file:shop.db")
  seed   = file("shop.sql")
}

tool "get_order" {
  description = "One order of the caller's organization by id."
  source      = source.sql.orders
  guard       = "'orders.read' in principal.scopes"

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order id."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = "SELECT id, org, status FROM orders WHERE id = :order_id AND org = :org"

  result {
    one       = true
    not_found = "No such order."
  }
}

tool "list_orders" {
  description = "The caller's organization's orders."
  source      = source.sql.orders
  guard       = "'orders.read' in principal.scopes"

  param "status" {
    type        = "string"
    required    = false
    enum        = ["pending", "paid"]
    description = "Only orders in this status."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = <<-SQL
    SELECT id, org, status FROM orders
     WHERE org = :org AND (CAST(:status AS TEXT) IS NULL OR status = CAST(:status AS TEXT))
     ORDER BY id
  SQL
}

tool "cancel_order" {
  description = "Cancel a pending order of the caller's organization."
  source      = source.sql.orders
  guard       = "'orders.write' in principal.scopes"
  read_only   = false
  destructive = true

  rate_limit {
    rate = "2/m"
  }

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order id."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = <<-SQL
    UPDATE orders SET status = 'cancelled'
     WHERE id = :order_id AND org = :org AND status = 'pending'
    RETURNING id, status
  SQL

  result {
    one       = true
    not_found = "Nothing was cancelled: only pending orders can be."
  }
}

source "http" "stock" {
  base_url = env("SHOP_STOCK_URL", "https://127.0.0.1:1")

  # The stubs speak plain HTTP: under test the tls block is dropped.
  tls {
    min_version = "1.2"
  }
}

tool "check_stock" {
  description = "Stock of one sku."
  source      = source.http.stock
  guard       = "'orders.read' in principal.scopes"

  param "sku" {
    type        = "string"
    pattern     = "[A-Z]{2}-[0-9]{3}"
    description = "The sku."
  }

  method = "GET"
  path   = "/stock/{sku}"
}

resource "order" {
  uri_template = "shop://orders/{order_id}"
  description  = "One order as JSON."
  source       = source.sql.orders
  guard        = "'orders.read' in principal.scopes"

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order id."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = "SELECT id, org, status FROM orders WHERE id = :order_id AND org = :org"

  result {
    one       = true
    not_found = "No such order."
  }
}

prompt "explain" {
  description = "Explain an order."
  guard       = "'orders.read' in principal.scopes"

  argument "order_id" {
    description = "The order id."
  }

  message "user" "text" {
    text = "Explain order {{order_id}}."
  }
}
