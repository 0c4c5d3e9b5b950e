# Readiness per dependency: a database the replica needs, an API it can
# serve without and a token issuer. edges_ready_required.hcl adds an API
# declared required.
server {
  name  = "ready"
  guard = "true"
}

auth {
  resource = "http://127.0.0.1:8080/mcp"
  jwt {
    issuer   = env("TECHNOVA_ISSUER")
    jwks_url = env("TECHNOVA_JWKS_URL")
  }
  api_key "demo" {
    hash    = "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a" # mcpk_technova_demo_acme_reporting
    subject = "demo"
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:ready?mode=memory&cache=shared"
}

source "http" "optional" {
  base_url = env("READY_UPSTREAM_URL")
  circuit_breaker {
    failures = 1
    open_for = "1h"
  }
}

tool "one" {
  description = "One."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
}

tool "optional" {
  description = "Calls an API the replica can serve without."
  source      = source.http.optional
  method      = "GET"
  path        = "/fail"
}
