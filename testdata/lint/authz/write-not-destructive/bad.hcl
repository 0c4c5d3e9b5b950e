# authz/write-not-destructive: destructive = false on tools that overwrite or delete.
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

tool "rename" {
  description = "Renames an item."
  source      = source.sql.db
  read_only   = false
  destructive = false # want: authz/write-not-destructive: tool "rename" is marked destructive = false, but its statement UPDATE
  param "id" {
    type        = "integer"
    description = "The item's id."
  }
  param "name" {
    type        = "string"
    description = "The new name."
  }
  sql = "UPDATE items SET name = :name WHERE id = :id"
}

tool "put_item" {
  description = "Stores an item, replacing one with the same id."
  source      = source.sql.db
  read_only   = false
  destructive = false # want: its statement can overwrite or delete rows
  param "id" {
    type        = "integer"
    description = "The item's id."
  }
  sql = "INSERT INTO items (id) VALUES (:id) ON CONFLICT (id) DO UPDATE SET id = excluded.id"
}

tool "remove_item" {
  description = "Removes an item upstream."
  source      = source.http.api
  timeout     = "5s"
  read_only   = false
  destructive = false # want: it sends DELETE
  param "id" {
    type        = "integer"
    description = "The item's id."
  }
  method = "DELETE"
  path   = "/items/{id}"
}
