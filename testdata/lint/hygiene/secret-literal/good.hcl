# Secrets come from the environment or files; literal text around them is fine.
server {
  name  = "secrets"
  guard = "'admin' in principal.scopes"
}

source "sql" "db" {
  driver = "postgres"
  dsn    = "postgres://app:${env("LINT_SECRET")}@db.internal:5432/shop"
}

source "sql" "whole" {
  driver = "postgres"
  dsn    = env("LINT_SECRET")
}

source "http" "api" {
  base_url = "https://api.internal"
  headers = {
    Authorization = "Bearer ${env("LINT_SECRET")}"
    X-Api-Key     = file("api.key")
    Accept        = "application/json"
  }
}

tool "stock" {
  description = "Stock of one product."
  source      = source.http.api
  timeout     = "5s"
  param "sku" {
    type        = "string"
    description = "The product's sku."
  }
  bind "tenant" {
    from = "principal.claims.tenant"
  }
  method = "GET"
  path   = "/stock/{sku}"
  headers {
    X-Tenant-Token = "binds.tenant"
    X-Request-Sku  = "args.sku"
  }
}
