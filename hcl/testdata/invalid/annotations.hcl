source "sql" "db" {}

tool "a" {
  source      = source.sql.db
  destructive = true # want: Read-only tool marked destructive
}
tool "b" {
  source      = source.sql.db
  read_only   = true
  guard       = "" # want: guard must be a CEL expression, not an empty string
}
