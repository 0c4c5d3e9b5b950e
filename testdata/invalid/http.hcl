source "http" "api" {
  base_url  = "https://user:pass@api.internal" # want: must not carry credentials
  redirects = "always" # want: redirects must be "none" or "same_host"
  headers   = { Host = "evil.example" } # want: Host is set by the HTTP client itself
}

source "http" "ok" {
  base_url = "http://127.0.0.1:8081"
  headers  = { Authorization = "Bearer server-token" }
}

tool "stock" {
  description = "Path placeholders must be declared."
  source      = source.http.ok
  param "sku" {
    type = "string"
  }
  method = "GET"
  path   = "/v1/stock/{skuu}" # want: {skuu} is not declared
}

tool "escape" {
  description = "A literal path cannot climb out of base_url."
  source      = source.http.ok
  method      = "GET"
  path        = "/v1/../admin" # want: must not contain . or .. segments
}

tool "reserve" {
  description = "CEL reads only what is declared; GET has no body."
  source      = source.http.ok
  method      = "GET"
  path        = "/v1/reservations"
  body        = "{'sku': args.sku}" # want: A GET request has no body # want: args.sku is not declared
  headers {
    authorization = "'Bearer stolen'" # want: The source already sets Authorization
  }
}
