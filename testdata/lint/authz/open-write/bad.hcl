# authz/open-write: no auth block and no guard: anyone who reaches the server writes.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "delete_note" { # want: authz/open-write: tool "delete_note" writes, and with no auth block and no guard every caller may call it
  description = "Deletes one note."
  source      = source.sql.db
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The note's id."
  }
  sql = "DELETE FROM notes WHERE id = :id"
}
