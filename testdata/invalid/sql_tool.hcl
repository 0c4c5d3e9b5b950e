# The SQL part of a tool (adapters/sql): the statement, its :parameters
# against the params and binds, and the result block.

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

source "sql" "pg" {
  driver = "postgres"
  dsn    = "postgres://u@h/db"
}

tool "ok" {
  source = source.sql.db
  param "id" { type = "integer" }
  sql = "SELECT * FROM t WHERE id = :id"
}

tool "missing_sql" { # want: The argument "sql" is required
  source = source.sql.db
  param "id" { type = "integer" }
}

tool "unknown_attribute" {
  source = source.sql.db
  sql    = "SELECT 1"
  query  = "SELECT 2" # want: An argument named "query" is not expected here
}

tool "undeclared_in_a_string" {
  source = source.sql.db
  sql    = "SELECT * FROM t WHERE id = :x" # want@40: SQL parameter :x is not declared; add a param or bind block named "x".
}

tool "undeclared_in_a_heredoc" {
  source = source.sql.db
  param "id" { type = "integer" }
  sql = <<-SQL
    SELECT *
      FROM t

    WHERE id = :id
      AND org = :org -- # want@17: SQL parameter :org is not declared
  SQL
}

tool "undeclared_in_a_plain_heredoc" {
  source = source.sql.db
  sql    = <<SQL
SELECT 1,
  :x -- # want@3: SQL parameter :x is not declared
SQL
}

tool "bind_counts_as_declared" {
  source = source.sql.db
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT * FROM t WHERE org = :org"
}

tool "unused_param" {
  source = source.sql.db
  param "id" { type = "integer" } # want@9: param "id" is not used in the SQL statement; use it as :id or remove it.
  sql = "SELECT 1"
}

tool "unused_bind" {
  source = source.sql.db
  bind "org" { # want@8: bind "org" is not used in the SQL statement
    from = "principal.claims.org"
  }
  sql = "SELECT 1"
}

tool "parameter_in_a_comment_does_not_count" {
  source = source.sql.db
  param "id" { type = "integer" } # want@9: param "id" is not used
  sql = "SELECT 1 -- :id"
}

tool "two_statements" {
  source = source.sql.db
  sql    = "SELECT 1; DELETE FROM t" # want@21: must hold one statement
}

tool "positional_placeholder" {
  source = source.sql.db
  sql    = "SELECT * FROM t WHERE id = ?" # want@40: Write parameters as :name
}

tool "postgres_cast_is_not_a_parameter" {
  source = source.sql.pg
  param "ids" { type = "string" }
  sql = "SELECT * FROM t WHERE id IN (SELECT jsonb_array_elements_text(:ids::jsonb)::bigint)"
}

tool "not_found_without_one" {
  source = source.sql.db
  sql    = "SELECT 1"
  result {
    not_found = "nope" # want: not_found needs one = true
  }
}

tool "not_found_with_one" {
  source = source.sql.db
  sql    = "SELECT 1"
  result {
    one       = true
    not_found = "nope"
  }
}

tool "not_found_from_env" {
  source = source.sql.db
  sql    = "SELECT 1"
  result {
    one       = true
    not_found = env("MCPGEN_TEST_UNSET_VAR", "nope") # want: env() values are secrets and cannot appear in not_found
  }
}

tool "max_rows_zero" {
  source = source.sql.db
  sql    = "SELECT 1"
  result {
    max_rows = 0 # want: max_rows must be a whole number of at least 1
  }
}

tool "max_rows_with_one" {
  source = source.sql.db
  sql    = "SELECT 1"
  result {
    one      = true
    max_rows = 5 # want: warning: max_rows has no effect
  }
}

tool "one_not_a_bool" {
  source = source.sql.db
  sql    = "SELECT 1"
  result {
    one = "yes" # want: one must be a bool, not a string
  }
}

tool "unknown_result_attribute" {
  source = source.sql.db
  sql    = "SELECT 1"
  result {
    many = true # want: An argument named "many" is not expected here
  }
}

tool "two_result_blocks" {
  source = source.sql.db
  sql    = "SELECT 1"
  result {}
  result {} # want: the first is at ../../testdata/invalid/sql_tool.hcl:162:3.
}
