# Within the budget; long resource text is read on request, not sent every turn.
lint {
  max_description_tokens = 10
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "count" {
  description = "Counts rows of a table."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result {
    one = true
  }
}

resource "handbook" {
  uri  = "docs://handbook"
  text = "A handbook can be as long as it needs to be: clients read it when they ask for it, not in every conversation."
}
