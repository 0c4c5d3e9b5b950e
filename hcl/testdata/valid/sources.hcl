source "sql" "orders" {
  driver            = "sqlite"
  dsn               = env("MCPGEN_TEST_UNSET_DSN", "file:technova.db")
  seed              = file("data/seed.sql")
  conn_max_lifetime = env("MCPGEN_TEST_UNSET_TIMEOUT", "2m")
}

source "sql" "archive" {
  driver = "postgres"
  dsn    = "postgres://app:pw-${env("MCPGEN_TEST_PASSWORD")}@localhost/archive"
}
