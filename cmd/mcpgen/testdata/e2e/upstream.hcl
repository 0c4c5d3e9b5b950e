# One HTTP tool against an upstream the test runs and watches: it must get
# the server's own credential and nothing of the caller's.

source "http" "echo" {
  base_url = env("E2E_UPSTREAM_URL")
  headers  = { Authorization = "Bearer ${env("E2E_SERVER_TOKEN")}" }
}

tool "whoami" {
  description = "Asks the upstream what it received."
  source      = source.http.echo
  param "name" {
    type = "string"
  }
  method = "GET"
  path   = "/v1/echo/{name}"
}
