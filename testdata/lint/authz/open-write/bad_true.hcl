# authz/open-write: guard = "true" lets every authenticated caller write, and so
# does a server default guard that is true.
server {
  name  = "notes"
  guard = "true" # want: authz/open-write: tool "purge_notes" writes, and the server's default guard is true
}

auth {
  api_key "reporting" {
    hash    = "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a"
    subject = "reporting"
    scopes  = ["notes.read"]
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "delete_note" {
  description = "Deletes one note."
  source      = source.sql.db
  guard       = "true" # want: tool "delete_note" writes, and its guard is true
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The note's id."
  }
  sql = "DELETE FROM notes WHERE id = :id"
}

tool "purge_notes" {
  description = "Deletes every note."
  source      = source.sql.db
  read_only   = false
  sql         = "DELETE FROM notes"
}
