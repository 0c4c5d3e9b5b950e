source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "not_bool" {
  description = "A guard that is not a predicate."
  source      = source.sql.db
  guard       = "principal.sub" # want: must be a boolean expression
  sql         = "SELECT 1"
}

tool "syntax" {
  description = "A guard that does not parse."
  source      = source.sql.db
  guard       = "'orders.read' in" # want: Invalid guard
  sql         = "SELECT 1"
}

tool "bind_from_args" {
  description = "A bind may not come from arguments."
  source      = source.sql.db
  bind "org" {
    from = "args.org" # want: undeclared reference to 'args'
  }
  sql = "SELECT * FROM t WHERE org = :org"
}
