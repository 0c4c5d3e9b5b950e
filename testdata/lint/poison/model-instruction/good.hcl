# Guidance about when to use a tool is a description, not an injection.
server {
  name         = "fine"
  instructions = "Use list_items to browse. Tell the user the item number when you quote one."
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "list_items" {
  description = "Lists items. Do not call this just to count them; an empty list means nothing matched. Important: prices are in cents."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result {
    max_rows = 10
  }
}
