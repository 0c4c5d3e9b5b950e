# cost/select-star: the columns returned change whenever the table does.
server {
  name  = "shop"
  guard = "'shop.admin' in principal.scopes"
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_customer" {
  description = "One customer."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    description = "The customer's id."
  }
  sql = "SELECT * FROM customers WHERE id = :id" # want: cost/select-star: tool "get_customer" runs "SELECT *"
  result {
    one = true
  }
}

tool "order_with_customer" {
  description = "One order and its customer."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    description = "The order number."
  }
  sql = <<-SQL
    SELECT o.id, c.*  -- # want: runs "c.*"
      FROM orders o JOIN customers c ON c.id = o.customer_id
     WHERE o.id = :id
  SQL
  result {
    one = true
  }
}

tool "close_ticket" {
  description = "Closes a ticket."
  source      = source.sql.db
  guard       = "'shop.owner' in principal.scopes"
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The ticket's id."
  }
  sql = "UPDATE tickets SET open = 0 WHERE id = :id RETURNING *" # want: runs "RETURNING *"
  result {
    one = true
  }
}
