source "sql" "orders" {
  driver   = "sqlite"
  dsn      = env("MCPGEN_TEST_UNSET_DSN", "file:technova.db")
  password = "pw-${env("MCPGEN_TEST_PASSWORD")}"
  seed     = file("data/seed.sql")
  timeout  = env("MCPGEN_TEST_UNSET_TIMEOUT", "2m")
}

source "sql" "archive" {
  driver = "postgres"
  dsn    = "postgres://localhost/archive"
}
