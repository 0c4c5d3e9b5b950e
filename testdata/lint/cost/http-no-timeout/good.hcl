# The tool says how long its upstream may take.
source "http" "api" {
  base_url = "http://127.0.0.1:8081"
  timeout  = "2s"
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
