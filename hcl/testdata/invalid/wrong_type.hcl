source "sql" "db" {}

server {
  name    = "s"
  version = ["1"] # want: version must be a string, not a tuple
}

tool "t" {
  source     = source.sql.db
  read_only  = "yes"  # want: read_only must be a bool, not a string
  idempotent = null   # want: idempotent must not be null
  title      = { a = 1 } # want: title must be a string, not an object
  param "p" {
    type      = "string"
    min_length = 1.5 # want: min_length must be a whole number
    sensitive  = 2   # want: sensitive must be a bool, not a number
  }
  param "q" {
    type = "integer"
    enum = 3 # want: enum must be a list of values, not a number
  }
}
