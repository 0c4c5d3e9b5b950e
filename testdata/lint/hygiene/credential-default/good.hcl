# Defaults that say they are not real, and local development databases.
server {
  name  = "defaults"
  guard = "'admin' in principal.scopes"
}

source "sql" "db" {
  driver = "postgres"
  dsn    = env("SHOP_DSN", "postgres://postgres:postgres@localhost:5432/shop")
}

source "sql" "file" {
  driver = "sqlite"
  dsn    = env("SHOP_DB", "file:shop.db")
}

source "http" "api" {
  base_url = env("API_URL", "http://127.0.0.1:8081")
  headers = {
    Authorization = "Bearer ${env("API_TOKEN", "shop-demo-token")}"
    X-Api-Key     = env("API_KEY", "changeme")
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
}
