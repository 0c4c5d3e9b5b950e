server {
  name  = "policy"
  guard = "principal.scopes" # want: The server's default guard does not compile: a guard must be a boolean expression, but this one is a list(string): test membership
}

auth {
  stdio {
    subject = "me"
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "guarded" {
  description = "Has its own guard."
  source      = source.sql.db
  guard       = "'x' in principal.scopes"
  sql         = "SELECT 1 AS one"
}
