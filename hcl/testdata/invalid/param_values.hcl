source "sql" "db" {}

tool "t" {
  source = source.sql.db
  param "a" {
    type    = "integer"
    default = "x" # want: want a whole number within 64 bits, got a string
  }
  param "b" {
    type    = "integer"
    default = 1.5 # want: got 1.5
  }
  param "c" {
    type = "integer"
    enum = [1, 18446744073709551616] # want: element 1: want a whole number within 64 bits
  }
  param "d" {
    type    = "string"
    default = 5 # want: Invalid default value
  }
  param "e" {
    type    = "array"
    items   = "integer"
    default = [1, "two"] # want: element 1: want a whole number
  }
  param "f" {
    type = "boolean"
    enum = ["yes"] # want: Invalid enum value
  }
  param "g" {
    type = "string"
    enum = [] # want: Empty enum
  }
  param "h" {
    type = "strin" # want: Invalid param type
  }
  param "i" {
    type = "array" # want: An array param needs items
  }
  param "j" {
    type  = "array"
    items = "array" # want: items must be string, integer, number or boolean
  }
  param "k" {
    type    = "number"
    default = "1" # want: want a number, got a string
  }
  param "l" {
    type    = "array"
    items   = "string"
    default = "a" # want: want a list, got a string
  }
}
