source "sql" "db" {}

tool "t" {
  source = source.sql.db
  param "a" {
    type    = "integer"
    pattern = "[0-9]+" # want: pattern applies to string params, not to integer ones
  }
  param "b" {
    type    = "string"
    minimum = 1 # want: minimum applies to integer or number params
  }
  param "c" {
    type      = "string"
    max_items = 3 # want: Constraint does not apply
  }
  param "d" {
    type  = "boolean"
    items = "string" # want: items applies to array params
  }
  param "e" {
    type    = "integer"
    minimum = 10
    maximum = 1 # want: minimum (10) is greater than maximum (1)
  }
  param "f" {
    type       = "string"
    min_length = 5
    max_length = 2 # want: Contradictory constraints
  }
  param "g" {
    type      = "array"
    items     = "number"
    min_items = 3
    max_items = 2 # want: min_items (3) is greater than max_items (2)
  }
  param "h" {
    type       = "string"
    min_length = -1 # want: min_length must not be negative
  }
}
