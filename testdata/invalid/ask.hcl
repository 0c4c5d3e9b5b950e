source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "refund" {
  description = "What the user is asked must fit an elicitation form."
  source      = source.sql.db
  read_only   = false
  param "order_id" {
    type = "integer"
  }
  confirm {
    message           = "Refund order {{order_id}}?"
    on_no_elicitation = "run"
  }
  ask "order_id" { # want: ask "order_id" has the same name as a param
    type = "integer"
  }
  ask "amount" { # want: ask "amount" has no default
    type  = "integer"
    enum  = [1, 2] # want: enum applies to string and array asks, not to integer ones
    title = "Amount"
  }
  ask "ids" { # want: An ask of type array is a multi-select
    type     = "array"
    items    = "integer"
    required = false
  }
  ask "channel" {
    type        = "string"
    enum        = ["card", "credit"]
    enum_titles = ["Card"] # want: enum_titles has 1 titles for 2 enum values
    default     = "card"
    format      = "phone" # want: format must be one of
  }
  ask "when" {
    type     = "boolean"
    format   = "date" # want: format applies to string asks
    required = false
  }
  ask "colour" {
    type     = "string"
    required = false
    colour   = "red" # want: Unsupported argument
  }
  sql = "INSERT INTO refunds VALUES (:order_id, :amount, :ids, :channel, :when, :colour)"
}
