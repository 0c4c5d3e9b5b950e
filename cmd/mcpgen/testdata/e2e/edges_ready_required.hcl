# An API the replica needs, loaded with edges_ready.hcl.

source "http" "critical" {
  base_url = env("READY_UPSTREAM_URL")
  required = true
  circuit_breaker {
    failures = 1
    open_for = "1h"
  }
}

tool "critical" {
  description = "Calls an API the replica needs."
  source      = source.http.critical
  method      = "GET"
  path        = "/fail"
}
