# hygiene/secret-literal: credentials written in clear.
server {
  name  = "secrets"
  guard = "'admin' in principal.scopes"
}

source "sql" "db" {
  driver = "postgres"
  dsn    = "postgres://app:s3cret-Pa55@db.internal:5432/shop" # want: hygiene/secret-literal: the dsn holds a password in clear
}

source "sql" "kv" {
  driver = "postgres"
  dsn    = "host=db.internal user=app password=s3cret-Pa55 dbname=shop" # want: the dsn holds a password in clear
}

source "http" "api" {
  base_url = "https://api.internal"
  headers = {
    Authorization = "Bearer 8f14e45fceea167a5a36dedd4bea2543" # want: a header that carries a credential has its value written in clear
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
  method = "GET"
  path   = "/stock/{sku}"
  headers {
    X-Api-Key = "'live-key-0a1b2c3d'" # want: a header that carries a credential
  }
}

tool "about" {
  description = "About this server."
  content "text" {
    text = "Deployed with key AKIAIOSFODNN7EXAMPLE." # want: a credential (AKIAIO...) is written in clear
  }
}
