source "sql" "db" {
  dsn = # want: Invalid expression
}
