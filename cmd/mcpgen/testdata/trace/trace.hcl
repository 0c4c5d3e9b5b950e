# A SQL tool and an HTTP tool, for the tracing test: what their spans say,
# and the trace context the upstream receives.
server {
  name    = "traced"
  version = "1.0.0"
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:trace?mode=memory&cache=shared"
}

source "http" "api" {
  base_url = env("TRACE_UPSTREAM_URL")
}

tool "echo_word" {
  description = "Echoes a word from the database."
  source      = source.sql.mem
  param "word" {
    type = "string"
  }
  sql = "SELECT :word AS word"
  result { one = true }
}

tool "fetch" {
  description = "Fetches an item from the upstream."
  source      = source.http.api
  param "id" {
    type = "string"
  }
  method = "GET"
  path   = "/items/{id}"
}
