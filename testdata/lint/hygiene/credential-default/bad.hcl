# hygiene/credential-default: a real-looking credential used whenever the variable is unset.
server {
  name  = "defaults"
  guard = "'admin' in principal.scopes"
}

source "sql" "db" {
  driver = "postgres"
  dsn    = env("SHOP_DSN", "postgres://app:Xk82mQ9vLp@db.internal/shop") # want: hygiene/credential-default: the default of env("SHOP_DSN") is a DSN with a password for a database beyond this machine
}

source "http" "api" {
  base_url = "https://api.internal"
  headers = {
    Authorization = "Bearer ${env("API_TOKEN", "9c1185a5c5e9fc54612808977ee8f548b2258d31")}" # want: the default of env("API_TOKEN") looks like a real credential
    X-Github      = env("GH_TOKEN", "ghp_R2vZp0a7wQ1mXk8bL4cN6dT9eY3fU5gH1iJ0") # want: the default of env("GH_TOKEN") is a credential (ghp_R2...)
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
