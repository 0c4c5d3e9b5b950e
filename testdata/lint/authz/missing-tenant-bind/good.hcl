# Every query on orders filters it by the caller's org; the catalog is shared
# by every organization, so searching it needs no bind even though get_order
# joins it.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  description = "One order of the caller's organization, with its product."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = <<-SQL
    SELECT o.id, p.name FROM orders AS o JOIN products p ON p.id = o.product_id
     WHERE o.id = :id AND o.org = :org
  SQL
  result {
    one = true
  }
}

tool "cancel_order" {
  description = "Cancels one order of the caller's organization."
  source      = source.sql.db
  guard       = "'orders.write' in principal.scopes"
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "UPDATE orders SET status = 'cancelled' WHERE id = :id AND org = CAST(:org AS TEXT) RETURNING id"
  result {
    one = true
  }
}

tool "add_order" {
  description = "Adds an order for the caller's organization."
  source      = source.sql.db
  guard       = "'orders.write' in principal.scopes"
  read_only   = false
  destructive = false
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "INSERT INTO orders (org, status) VALUES (:org, 'pending')"
}

tool "search_products" {
  description = "Searches the shared catalog."
  source      = source.sql.db
  param "q" {
    type        = "string"
    description = "Text to find in a product name."
  }
  sql = "SELECT id, name FROM products WHERE name LIKE '%' || :q || '%'"
  result {
    max_rows = 20
  }
}
