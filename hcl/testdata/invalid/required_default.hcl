source "sql" "db" {}

tool "t" {
  source = source.sql.db
  param "a" {
    type     = "string"
    default  = "x"
    required = true # want: Required param with a default
  }
  param "b" {
    type     = "string"
    default  = "x"
    required = false
  }
}
