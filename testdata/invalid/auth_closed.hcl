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

# The same holds for a resource with fixed content and for a prompt.
resource "handbook" { # want: Resource without a guard
  uri  = "docs://handbook"
  text = "Nobody may read this."
}

prompt "greet" { # want: Prompt "greet" has no guard
  message "user" "text" {
    text = "Nobody may get this."
  }
}
