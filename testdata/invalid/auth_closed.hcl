# With auth configured, a tool without a guard (and no server default) is
# closed to everyone, and validate says so. The broken tool makes the run
# fail, so that the warning is checked among errors.
auth {
  stdio {
    subject = "me"
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "forgotten" { # want: Tool without a guard
  description = "Nobody may call this."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
}

tool "broken" {
  description = "Has a guard that is not a predicate."
  source      = source.sql.db
  guard       = "principal.sub" # want: must be a boolean expression
  sql         = "SELECT 1 AS one"
}
