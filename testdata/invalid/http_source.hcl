# The settings of a source "http" block (adapters/http). Nothing is opened:
# validate --offline only decodes, so the TLS files need not exist.

source "http" "minimal" {
  base_url = "http://127.0.0.1:8081"
}

source "http" "everything" {
  base_url           = "https://inventory.internal/api/"
  headers            = { Authorization = "Bearer t0ken-t0ken", "X-Api-Key" = "k" }
  timeout            = "3s"
  max_response_bytes = "512KB"
  redirects          = "same_host"
  ping_path          = "/healthz"
  tls {
    ca_file     = "ca.pem"
    cert_file   = "client.pem"
    key_file    = "client.key"
    min_version = "1.3"
  }
  retry {
    attempts    = 4
    backoff     = "50ms"
    max_backoff = "1s"
    statuses    = [429, 502, 503]
    jitter      = 0.2
  }
  circuit_breaker {
    failures         = 3
    open_for         = "10s"
    half_open_probes = 2
  }
}

source "http" "no_base_url" { # want: The argument "base_url" is required
  timeout = "1s"
}

source "http" "not_http" {
  base_url = "ftp://x" # want: base_url must start with http:// or https://
}

source "http" "no_host" {
  base_url = "http:///x" # want: base_url must name a host
}

source "http" "credentials" {
  base_url = "https://u:p@h" # want: base_url must not carry credentials
}

source "http" "query" {
  base_url = "https://h/?a=1" # want: base_url must not have a query or a fragment
}

source "http" "dot_segments" {
  base_url = "https://h/a/../b" # want: base_url must not contain . or .. path segments
}

source "http" "headers_not_a_map" {
  base_url = "http://h"
  headers  = "Authorization: x" # want: headers must be a map of header names to strings
}

source "http" "header_name_invalid" {
  base_url = "http://h"
  headers  = { "X Bad" = "v" } # want: "X Bad" is not a valid HTTP header name
}

source "http" "reserved_header" {
  base_url = "http://h"
  headers  = { Host = "evil" } # want: Host is set by the HTTP client itself
}

source "http" "duplicate_header" {
  base_url = "http://h"
  headers  = { "x-key" = "a", "X-Key" = "b" } # want: X-Key is set twice
}

source "http" "header_value_with_a_line_break" {
  base_url = "http://h"
  headers  = { "X-Key" = "a\r\nX-Evil: 1" } # want: The value of header X-Key contains a line break
}

source "http" "header_value_from_env" {
  base_url = "http://h"
  headers  = { "X-Key" = env("MCPGEN_TEST_UNSET_VAR", "s3cret\nvalue") } # want: The value of header X-Key contains a line break
}

source "http" "zero_timeout" {
  base_url = "http://h"
  timeout  = "0s" # want: timeout must be longer than zero
}

source "http" "bad_size" {
  base_url           = "http://h"
  max_response_bytes = "lots" # want: max_response_bytes must be a number of bytes or a size such as "512KB"
}

source "http" "bad_redirect_policy" {
  base_url  = "http://h"
  redirects = "all" # want: redirects must be "none" or "same_host", not "all"
}

source "http" "ping_path_without_slash" {
  base_url  = "http://h"
  ping_path = "health" # want: ping_path must be a path starting with /
}

source "http" "tls_on_http" {
  base_url = "http://h"
  tls {} # want: TLS settings on a plain HTTP source
}

source "http" "cert_without_key" {
  base_url = "https://h"
  tls { # want: cert_file and key_file go together
    cert_file = "c.pem"
  }
}

source "http" "bad_tls_version" {
  base_url = "https://h"
  tls {
    min_version = "1.0" # want: min_version must be "1.2" or "1.3", not "1.0"
  }
}

source "http" "attempts_out_of_range" {
  base_url = "http://h"
  retry {
    attempts = 0 # want: attempts must be between 1 and 10
  }
}

source "http" "max_backoff_below_backoff" {
  base_url = "http://h"
  retry {
    backoff     = "1s"
    max_backoff = "10ms" # want: max_backoff (10ms) is shorter than backoff (1s)
  }
}

source "http" "status_not_retryable" {
  base_url = "http://h"
  retry {
    statuses = [404] # want: statuses must be a list of HTTP statuses from 408, 425, 429 and 500 to 599
  }
}

source "http" "jitter_out_of_range" {
  base_url = "http://h"
  retry {
    jitter = 2 # want: jitter must be a number from 0
  }
}

source "http" "breaker_failures_zero" {
  base_url = "http://h"
  circuit_breaker {
    failures = 0 # want: failures must be between 1 and 1000
  }
}

source "http" "two_retry_blocks" {
  base_url = "http://h"
  retry {}
  retry {} # want: the first is at ../../testdata/invalid/http_source.hcl:166:3.
}

source "http" "unknown_attribute" {
  base_url = "http://h"
  proxy    = "http://p" # want: An argument named "proxy" is not expected here
}
