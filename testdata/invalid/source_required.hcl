source "http" "api" {
  base_url = "http://127.0.0.1:8081"
  required = "yes" # want@14: required must be a bool, not a string
}

source "sql" "db" {
  driver   = "sqlite"
  dsn      = "file:unused.db"
  required = 1 # want@14: required must be a bool, not a number
}
