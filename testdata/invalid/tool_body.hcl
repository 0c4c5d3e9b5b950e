source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "typo" { # want: The argument "sql" is required
  description = "The adapter rejects what it does not know."
  source      = source.sql.db
  sqll        = "SELECT 1" # want: Unsupported argument
}

tool "bad_result" {
  description = "Result options that do not fit."
  source      = source.sql.db
  sql         = "SELECT 1"
  result {
    max_rows = 0 # want: max_rows
  }
}
