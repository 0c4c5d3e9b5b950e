# API keys over HTTPS: the resource names the https URL clients use.
auth {
  resource = "https://127.0.0.1/mcp"

  api_key "full" {
    hash    = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f" # mcpk_test_full
    subject = "svc-full"
  }
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:tls?mode=memory&cache=shared"
}

tool "whoami" {
  description = "Says who the caller is."
  source      = source.sql.mem
  guard       = "true"
  bind "sub" {
    from = "principal.sub"
  }
  sql = "SELECT :sub AS sub"
  result { one = true }
}
