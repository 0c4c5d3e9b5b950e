# A suppression names a rule and says why; a comment above the attribute that
# holds a heredoc covers a finding inside it.
lint {
  disable "cost/unbounded-read" {
    reason = "the table holds at most twelve rows, one per month"
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "months" {
  # mcpgen:ignore poison/url-or-email the billing calendar is our own public page
  description = <<-EOT
    The billing months, as on https://billing.acme.com/calendar.
  EOT
  source      = source.sql.db
  sql         = "SELECT name FROM months"
}
