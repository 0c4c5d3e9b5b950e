# cost/http-no-timeout: a call may take the default 30s, retries included.
source "http" "api" {
  base_url = "http://127.0.0.1:8081"
}

tool "stock" { # want: cost/http-no-timeout: tool "stock" calls an HTTP upstream with no timeout of its own: a call may take 30s
  description = "Stock of one product."
  source      = source.http.api
  param "sku" {
    type        = "string"
    description = "The product's sku."
  }
  method = "GET"
  path   = "/stock/{sku}"
}
