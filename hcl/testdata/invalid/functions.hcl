source "sql" "db" {}

tool "a" {
  source  = source.sql.db
  timeout = env("MCPGEN_TEST_SURELY_UNSET") # want: environment variable MCPGEN_TEST_SURELY_UNSET is not set
}
tool "b" {
  source      = source.sql.db
  description = file("no/such.md") # want: no file at testdata/invalid/no/such.md
}
tool "c" {
  source = source.sql.db
  title  = file("dup_tool") # want: testdata/invalid/dup_tool is not a regular file
}
tool "d" {
  source  = source.sql.db
  timeout = env("A", "b", "c") # want: Invalid function argument
}
tool "e" {
  source  = source.sql.db
  timeout = env("MCPGEN_TEST_SURELY_UNSET", "3s")
}
