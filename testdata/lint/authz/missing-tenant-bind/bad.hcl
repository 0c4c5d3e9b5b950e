# authz/missing-tenant-bind: orders holds several organizations' rows, which
# get_order filters by the caller's org; these do not.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  description = "One order of the caller's organization."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT o.id, o.status FROM orders o WHERE o.id = :id AND o.org = :org"
  result {
    one = true
  }
}

tool "list_orders" {
  description = "Orders by status."
  source      = source.sql.db
  param "status" {
    type        = "string"
    description = "The status, e.g. \"paid\"."
  }
  sql = "SELECT id FROM orders WHERE status = :status" # want: authz/missing-tenant-bind: tool "list_orders" uses table orders on source sql.db without filtering it by principal.claims.org, which tool "get_order" binds there
  result {
    max_rows = 20
  }
}

tool "order_lines" {
  description = "The lines of one order."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  bind "org" {
    from = "principal.claims.org"
  }
  # The bind filters customers, not orders: every org's order lines leak.
  sql = <<-SQL
    SELECT l.sku FROM order_lines l
      JOIN orders o ON o.id = l.order_id # want: tool "order_lines" uses table orders
      JOIN customers c ON c.id = o.customer_id
     WHERE l.order_id = :id AND c.org = :org
  SQL
  result {
    max_rows = 20
  }
}

resource "order" {
  uri_template = "orders://{id}"
  description  = "One order."
  source       = source.sql.db
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = "SELECT id, status FROM orders WHERE id = :id" # want: resource "order" uses table orders
  result {
    one = true
  }
}
