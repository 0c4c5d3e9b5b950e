source "sql" "db" {}

tool "a" {
  source  = source.sql.db
  timeout = "5" # want: timeout must be a duration such as "5s"
}
tool "b" {
  source  = source.sql.db
  timeout = "0s" # want: timeout must be greater than zero
}
tool "c" {
  source  = source.sql.db
  timeout = "-1s" # want: timeout must not be negative
}
tool "d" {
  source  = source.sql.db
  timeout = "soon" # want: Invalid duration
}
tool "e" {
  source  = source.sql.db
  timeout = 30 # want: timeout must be a string, not a number
}
