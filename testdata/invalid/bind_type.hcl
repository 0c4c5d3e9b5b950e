source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "bind_types" {
  description = "A bind's type is one of the param types."
  source      = source.sql.db
  bind "org" {
    from = "principal.claims.org"
    type = "list" # want@12: type must be string, integer, number, boolean or array, not "list"
  }
  bind "team" {
    from = "principal.claims.team"
    type = env("MCPGEN_TEST_UNSET_VAR", "secret-team") # want: not the value from env()
  }
  sql = "SELECT :org, :team"
}
