source "sql" "db" {
  dsn = env("MCPGEN_TEST_SECRET", "s3cret")
}

server {
  name         = env("MCPGEN_TEST_SECRET", "s3cret") # want: which clients see
  instructions = "Use ${env("MCPGEN_TEST_SECRET", "s3cret")}." # want: cannot appear in instructions
}

tool "t" {
  source      = source.sql.db
  title       = "T"
  description = "Uses ${env("MCPGEN_TEST_SECRET", "s3cret")}." # want: cannot appear in description
  guard = "principal.sub == '${env("MCPGEN_TEST_SECRET", "s3cret")}'" # want: cannot appear in guard
  param "a" {
    type        = "string"
    description = env("MCPGEN_TEST_SECRET", "s3cret") # want: Secret in a client-visible attribute
    default     = upper("x")                          # want: no function named "upper"
    enum        = [env("MCPGEN_TEST_SECRET", "s3cret")] # want: cannot appear in enum
  }
  param "b" {
    type    = "string"
    default = env("MCPGEN_TEST_SECRET", "s3cret") == "" ? "x" : "y" # want: cannot appear in default
  }
  bind "c" {
    from = env("MCPGEN_TEST_SECRET", "s3cret") # want: cannot appear in from
  }
}
