# hygiene/todo-description: placeholders left for a person to fill in.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  description = "TODO: say what this table holds. Get one order by id." # want: hygiene/todo-description: the description of tool "get_order" still says TODO
  source      = source.sql.db
  param "id" {
    type        = "integer"
    minimum     = 1
    description = "TODO: describe orders.id (INTEGER)." # want: the description of param "id" of tool "get_order" still says TODO
  }
  sql = "SELECT :id AS id"
  result {
    one = true
  }
}
