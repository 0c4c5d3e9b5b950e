# lint/bad-suppression: suppressions that name no rule that exists, or one
# that cannot be suppressed.
lint {
  disable "cost/select-all" { # want: lint/bad-suppression: "cost/select-all" is not a rule id
    reason = "misspelt"
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  # mcpgen:ignore poison/links the docs link is ours # want: "poison/links" is not a rule id
  description = "One order."
  source      = source.sql.db
  param "id" {
    type = "integer"
    # mcpgen:ignore lint/unused-suppression kept for later # want: rule lint/unused-suppression cannot be suppressed
    description = "The order number."
  }
  #mcpgen:ignored cost/select-star typo # want: a suppression is written # mcpgen:ignore RULE-ID reason
  sql = "SELECT :id AS id"
  result {
    one = true
  }
}
