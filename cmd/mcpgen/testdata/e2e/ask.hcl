# A tool whose values come partly from the user at the client (ask blocks),
# with a confirmation, for TestAsk.
audit {
  sink  = "file"
  path  = env("AUDIT_PATH")
  fsync = "always"
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = env("ASK_DB")
  seed   = "CREATE TABLE refunds (order_id INTEGER, amount INTEGER, channel TEXT, tags TEXT, note TEXT, pin TEXT);"
}

tool "refund" {
  description = "Refund an order: the amount, channel and reasons come from the user, not the model."
  source      = source.sql.db
  read_only   = false

  param "order_id" {
    type = "integer"
  }

  confirm {
    message = "Refund order {{order_id}}?"
  }

  ask "amount" {
    type        = "integer"
    title       = "Amount (cents)"
    description = "How much to refund."
    minimum     = 1
    maximum     = 10000
  }
  ask "channel" {
    type        = "string"
    enum        = ["card", "credit"]
    enum_titles = ["Back to the card", "Store credit"]
    default     = "card"
  }
  ask "tags" {
    type      = "array"
    items     = "string"
    enum      = ["damaged", "late", "wrong"]
    min_items = 1
  }
  ask "note" {
    type       = "string"
    required   = false
    max_length = 100
  }
  ask "pin" {
    type      = "string"
    pattern   = "[0-9]{4}"
    sensitive = true
  }

  sql = <<-SQL
    INSERT INTO refunds (order_id, amount, channel, tags, note, pin)
    VALUES (:order_id, :amount, :channel, :tags, :note, :pin)
    RETURNING order_id, amount, channel, tags, note
  SQL
  result {
    one = true
  }
}
