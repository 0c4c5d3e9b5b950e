# lint/unused-suppression: suppressions that suppress nothing.
lint {
  disable "cost/select-star" { # want: lint/unused-suppression: disable "cost/select-star" suppresses nothing
    reason = "we used to select *"
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  # mcpgen:ignore poison/url-or-email there used to be a link # want: # mcpgen:ignore poison/url-or-email suppresses nothing
  description = "One order."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    description = "The order number."
  }

  # mcpgen:ignore cost/unbounded-read a blank line follows, so this stands above nothing # want: suppresses nothing
  # mcpgen:ignore cost/select-star the rule finds nothing here # want: suppresses nothing

  sql = "SELECT :id AS id"
  result {
    one = true
  }
}
