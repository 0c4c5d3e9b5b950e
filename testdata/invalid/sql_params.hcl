source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "undeclared" {
  description = "Uses a parameter nobody declared."
  source      = source.sql.db
  param "id" {
    type = "integer"
  }
  sql = "SELECT * FROM t WHERE id = :id AND org = :org" # want: :org
}

tool "unused" {
  description = "Declares a parameter the statement never uses."
  source      = source.sql.db
  param "id" {
    type = "integer"
  }
  param "status" { # want: "status"
    type = "string"
  }
  sql = "SELECT * FROM t WHERE id = :id"
}

tool "casts_and_strings_are_not_params" {
  description = "Nothing to report: ::text, ':x' and comments are not parameters."
  source      = source.sql.db
  param "id" {
    type = "integer"
  }
  sql = <<-SQL
    SELECT id::text, ':nope' AS s -- :comment
    FROM t WHERE id = :id /* :block */
  SQL
}
