# Behind a TLS-terminating proxy: API keys, and a request limit per client
# address, which the proxy's X-Forwarded-For names.
auth {
  api_key "full" {
    hash    = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f" # mcpk_test_full
    subject = "svc-full"
  }
}

limits {
  http_rate_limit {
    rate  = "1/h"
    burst = 2
  }
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:proxy?mode=memory&cache=shared"
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
