tool "get_order" {
  title       = "Get order"
  description = file("data/get_order.md")
  source      = source.sql.orders
  guard       = "'orders.read' in principal.scopes"
  timeout     = "5s"
  idempotent  = true

  param "order_id" {
    type        = "integer"
    description = "The order number, e.g. 1042."
    minimum     = 1
    maximum     = 1e6
  }

  param "status" {
    type       = "string"
    default    = "open"
    enum       = ["open", "shipped"]
    pattern    = "[a-z]+"
    min_length = 1
    max_length = 20
  }

  param "ids" {
    type      = "array"
    items     = "integer"
    required  = false
    enum      = [1, 2, 3]
    min_items = 1
    max_items = 3
    sensitive = true
  }

  param "ratio" {
    type    = "number"
    default = 0.5
  }

  param "verbose" {
    type    = "boolean"
    default = false
  }

  param "tags" {
    type    = "array"
    items   = "string"
    default = ["a", "b"]
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = <<-SQL
    SELECT id, status, :ratio AS ratio, :verbose AS verbose, :tags AS tags
      FROM orders
     WHERE id = :order_id AND org = :org AND status = :status
       AND (:ids IS NULL OR id IN (SELECT value FROM json_each(:ids)))
  SQL

  result {
    one       = true
    not_found = "No order with that id."
  }
}

tool "cancel_order" {
  source    = source.sql.orders
  read_only = false
  timeout   = env("MCPGEN_TEST_UNSET_TIMEOUT", "10s")

  param "order_id" {
    type = "integer"
  }

  sql = "UPDATE orders SET status = 'cancelled' WHERE id = :order_id"
}

tool "archive.list-v2" {
  source      = source.sql.archive
  read_only   = false
  destructive = false
  open_world  = true
  sql         = "SELECT 1"
}
