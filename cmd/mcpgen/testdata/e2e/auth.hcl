# API keys only, and a scope every HTTP request needs.
auth {
  resource        = "http://127.0.0.1:8080/mcp"
  scopes          = ["mcp"]
  required_scopes = ["mcp"]

  api_key "full" {
    hash    = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f" # mcpk_test_full
    subject = "svc-full"
    scopes  = ["mcp"]
  }
  api_key "no_scope" {
    hash    = "sha256:a41ad2c6494809cf2b60e3a6bd7334088b28037db70f1f87d5cc92d7340dfafc" # mcpk_test_no_mcp_scope
    subject = "svc-no-scope"
  }
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:auth?mode=memory&cache=shared"
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
