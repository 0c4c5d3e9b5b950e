source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "cancel" {
  description = "A confirmation may name the tool's params, and nothing else."
  source      = source.sql.db
  read_only   = false
  param "order_id" {
    type = "integer"
  }
  param "pin" {
    type      = "string"
    sensitive = true
  }
  confirm {
    message           = "Cancel order {{ordr_id}} with {{pin}}?" # want: names no param of this tool. Did you mean "order_id"? # want: param "pin" is sensitive
    on_no_elicitation = "ask" # want: on_no_elicitation must be
    timeout           = "0s" # want: timeout must be greater than zero
  }
  sql = "UPDATE orders SET status = 'cancelled' WHERE id = :order_id AND :pin IS NOT NULL"
}

tool "twice" {
  description = "One confirmation per tool."
  source      = source.sql.db
  read_only   = false
  confirm {
    message = "Sure?"
  }
  confirm { # want: A confirm block is already declared
    message = "Really {{sure?" # want: unbalanced {{ or }}
  }
  sql = "DELETE FROM orders"
}

tool "silent" {
  description = "A confirmation has a message."
  source      = source.sql.db
  read_only   = false
  confirm { # want: The argument "message" is required
  }
  sql = "DELETE FROM orders"
}

tool "empty" {
  description = "A message says something."
  source      = source.sql.db
  read_only   = false
  confirm {
    message = "  " # want: message must say what the user is asked to confirm
  }
  sql = "DELETE FROM orders"
}
