source "sql" "db" {
  driver = "oracle" # want: driver
  dsn    = "x"
}

source "nosql" "db" { # want: no source type "nosql"
}

tool "orphan" {
  description = "Points at a source that does not exist."
  source      = source.sql.elsewhere # want: undeclared source
  sql         = "SELECT 1"
}
