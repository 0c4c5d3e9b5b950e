# Descriptions say what a tool and its params are; "todo" as a word of the
# domain (a to-do list) is not a placeholder.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_todo" {
  description = "One item of the user's todo list, by id."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    minimum     = 1
    description = "The item number, e.g. 42."
  }
  sql = "SELECT :id AS id"
  result {
    one = true
  }
}
