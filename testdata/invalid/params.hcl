source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "bad_params" {
  description = "Params whose own declarations are wrong."
  source      = source.sql.db
  param "code" {
    type    = "string"
    pattern = "[A-Z" # want: not a valid regular expression
  }
  param "limit" {
    type    = "integer"
    maximum = 50
    default = 100 # want: breaks its own constraints
  }
  param "status" {
    type    = "string"
    enum    = ["open", "closed"]
    default = "lost" # want: must be one of
  }
  sql = "SELECT * FROM t WHERE code = :code AND status = :status LIMIT :limit"
}
