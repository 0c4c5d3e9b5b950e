# Only adding is not destructive; write tools are destructive by default.
server {
  name  = "items"
  guard = "'items.write' in principal.scopes"
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

source "http" "api" {
  base_url = "http://127.0.0.1:8081"
}

tool "add_note" {
  description = "Adds a note."
  source      = source.sql.db
  read_only   = false
  destructive = false
  param "text" {
    type        = "string"
    description = "The note."
  }
  sql = "INSERT INTO notes (text) VALUES (:text)"
}

tool "create_item" {
  description = "Creates an item upstream."
  source      = source.http.api
  timeout     = "5s"
  read_only   = false
  destructive = false
  param "name" {
    type        = "string"
    description = "The item's name."
  }
  method = "POST"
  path   = "/items"
  body   = "{'name': args.name}"
}

tool "rename" {
  description = "Renames an item."
  source      = source.sql.db
  read_only   = false
  param "id" {
    type        = "integer"
    description = "The item's id."
  }
  sql = "UPDATE items SET name = 'x' WHERE id = :id"
}
