# A write tool guarded on a write scope; read tools may be open to every caller.
auth {
  api_key "editor" {
    hash    = "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a"
    subject = "editor"
    scopes  = ["notes.write"]
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "delete_note" {
  description = "Deletes one note."
  source      = source.sql.db
  guard       = "'notes.write' in principal.scopes"
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The note's id."
  }
  sql = "DELETE FROM notes WHERE id = :id"
}

tool "count_notes" {
  description = "Counts notes."
  source      = source.sql.db
  guard       = "true"
  sql         = "SELECT COUNT(*) AS n FROM notes"
  result {
    one = true
  }
}
