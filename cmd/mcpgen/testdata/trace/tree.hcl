# Every step of a call, for the span tree test: authentication (an API
# key), a guard, a rate limit, a cache, and a SQL and an HTTP backend.
server {
  name    = "traced-tree"
  version = "1.0.0"
}

auth {
  resource        = "http://127.0.0.1:8080/mcp"
  scopes          = ["mcp"]
  required_scopes = ["mcp"]

  api_key "full" {
    hash    = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f" # mcpk_test_full
    subject = "svc-full"
    scopes  = ["mcp"]
  }
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:tracetree?mode=memory&cache=shared"
}

source "http" "api" {
  base_url = env("TRACE_UPSTREAM_URL")
}

tool "echo_word" {
  description = "Echoes a word from the database."
  source      = source.sql.mem
  guard       = "principal.sub == 'svc-full'"
  param "word" {
    type = "string"
  }
  sql = "SELECT :word AS word"
  result { one = true }
  rate_limit {
    rate = "1000/s"
  }
  cache {
    ttl = "1h"
  }
}

tool "fetch" {
  description = "Fetches an item from the upstream."
  source      = source.http.api
  guard       = "principal.sub == 'svc-full'"
  read_only   = true
  param "id" {
    type = "string"
  }
  method = "GET"
  path   = "/items/{id}"
  rate_limit {
    rate = "1000/s"
  }
  cache {
    ttl = "1h"
  }
}
