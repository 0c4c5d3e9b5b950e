# HTTP tools against an upstream the test runs: it echoes the server's
# credentials back in its errors, transformed, and records the paths it
# receives.

source "http" "bearer" {
  base_url = env("EDGES_UPSTREAM_URL")
  headers  = { Authorization = "Bearer ${env("EDGES_BEARER_TOKEN")}" }
}

source "http" "basic" {
  base_url = env("EDGES_UPSTREAM_URL")
  headers  = { Authorization = "Basic ${env("EDGES_BASIC_CREDENTIALS")}" }
}

tool "echo_bearer" {
  description = "Asks the upstream to echo its credential, transformed."
  source      = source.http.bearer
  param "how" {
    type = "string"
  }
  method = "GET"
  path   = "/echo/{how}"
}

tool "echo_basic" {
  description = "Asks the upstream to echo its credential, transformed."
  source      = source.http.basic
  param "how" {
    type = "string"
  }
  method = "GET"
  path   = "/echo/{how}"
}

tool "item" {
  description = "Reads one item by key."
  source      = source.http.bearer
  param "key" {
    type = "string"
  }
  method = "GET"
  path   = "/v1/items/{key}"
}
