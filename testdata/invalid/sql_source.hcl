# The settings of a source "sql" block (adapters/sql). Nothing is opened:
# validate --offline only decodes.

source "sql" "minimal" {
  driver = "sqlite"
  dsn    = "x.db"
}

source "sql" "everything" {
  driver             = "postgres"
  dsn                = "postgres://u@h/db"
  seed               = "CREATE TABLE t (id int);"
  max_open_conns     = 4
  max_idle_conns     = 2
  conn_max_lifetime  = "30m"
  conn_max_idle_time = "5m"
}

source "sql" "no_driver" { # want: The argument "driver" is required
  dsn = "x.db"
}

source "sql" "no_dsn" { # want: The argument "dsn" is required
  driver = "sqlite"
}

source "sql" "unknown_driver" {
  driver = "oracle" # want: driver must be "sqlite", "postgres" or "mysql", not "oracle"
  dsn    = "x"
}

source "sql" "unknown_attribute" {
  driver = "sqlite"
  dsn    = "x.db"
  pool   = 3 # want: An argument named "pool" is not expected here
}

source "sql" "empty_dsn" {
  driver = "sqlite"
  dsn    = "" # want: dsn must name a database
}

source "sql" "bad_sqlite_query" {
  driver = "sqlite"
  dsn    = "x.db?a=%zz" # want: not valid URL query syntax
}

source "sql" "dsn_of_wrong_type" {
  driver = "sqlite"
  dsn    = 5 # want: dsn must be a string, not a number
}

source "sql" "zero_max_open_conns" {
  driver         = "sqlite"
  dsn            = "x.db"
  max_open_conns = 0 # want: max_open_conns must be a whole number of at least 1
}

source "sql" "fractional_max_idle_conns" {
  driver         = "sqlite"
  dsn            = "x.db"
  max_idle_conns = 1.5 # want: max_idle_conns must be a whole number.
}

source "sql" "idle_above_open" {
  driver         = "sqlite"
  dsn            = "x.db"
  max_open_conns = 2
  max_idle_conns = 3 # want: max_idle_conns (3) is larger than max_open_conns (2)
}

source "sql" "bad_duration" {
  driver            = "sqlite"
  dsn               = "x.db"
  conn_max_lifetime = "ten minutes" # want: conn_max_lifetime must be a duration such as "5s" or "1m30s", not "ten minutes"
}

source "sql" "negative_duration" {
  driver             = "sqlite"
  dsn                = "x.db"
  conn_max_idle_time = "-5s" # want: conn_max_idle_time must not be negative
}

source "sql" "secret_bad_duration" {
  driver             = "sqlite"
  dsn                = "x.db"
  conn_max_idle_time = env("MCPGEN_TEST_UNSET_VAR", "soon") # want: not the value from env()
}
