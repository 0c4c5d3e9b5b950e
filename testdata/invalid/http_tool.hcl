# The HTTP part of a tool (adapters/http): method, path template, query,
# headers, body and result, and the params and binds they use.

source "http" "api" {
  base_url = "http://127.0.0.1:1"
  headers  = { Authorization = "Bearer x" }
}

tool "ok" {
  source = source.http.api
  param "sku" { type = "string" }
  method = "GET"
  path   = "/v1/stock/{sku}"
}

tool "everything" {
  source = source.http.api
  param "sku" { type = "string" }
  param "qty" { type = "integer" }
  param "note" {
    type     = "string"
    required = false
  }
  bind "org" { from = "principal.claims.org" }
  method = "POST"
  path   = "/v1/orgs/{org}/reservations"
  query {
    note = "has(args.note) ? args.note : null"
  }
  headers {
    X-Sku = "args.sku"
  }
  body         = "{'sku': args.sku, 'qty': args.qty}"
  result       = "{'id': response.body.id, 'status': response.status}"
  retry_unsafe = true
}

tool "missing_method" { # want: The argument "method" is required
  source = source.http.api
  path   = "/x"
}

tool "missing_path" { # want: The argument "path" is required
  source = source.http.api
  method = "GET"
}

tool "bad_method" {
  source = source.http.api
  method = "get" # want: method must be one of GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE (in capitals), not "get"
  path   = "/x"
}

tool "undeclared_placeholder" {
  source = source.http.api
  param "sku" { type = "string" }
  method = "GET"
  path   = "/v1/stock/{sku}/{warehouse}" # want@29: {warehouse} is not declared; add a param or bind block named "warehouse"
}

tool "unclosed_brace" {
  source = source.http.api
  method = "GET"
  path   = "/v1/{sku" # want@17: this { is not closed
}

tool "placeholder_not_an_identifier" {
  source = source.http.api
  method = "GET"
  path   = "/v1/{a-b}" # want@17: {a-b} must name a param or bind
}

tool "query_in_path" {
  source = source.http.api
  method = "GET"
  path   = "/v1/stock?sku=1" # want@22: a path has no query or fragment
}

tool "dot_segment_in_path" {
  source = source.http.api
  method = "GET"
  path   = "/v1/../admin" # want@17: must not contain . or .. segments
}

tool "path_without_slash" {
  source = source.http.api
  method = "GET"
  path   = "v1" # want@13: path must start with /
}

tool "space_in_path" {
  source = source.http.api
  method = "GET"
  path   = "/v1/a b" # want@18: " " is not allowed in a URL path
}

tool "unused_param" {
  source = source.http.api
  param "sku" { type = "string" } # want@9: param "sku" is not used in the request
  method = "GET"
  path   = "/v1/stock"
}

tool "unused_bind" {
  source = source.http.api
  bind "org" { from = "principal.sub" } # want@8: bind "org" is not used in the request
  method = "GET"
  path   = "/v1/stock"
}

tool "param_used_in_CEL_only" {
  source = source.http.api
  param "sku" { type = "string" }
  method = "GET"
  path   = "/v1/stock"
  query {
    sku = "args.sku"
  }
}

tool "args_as_a_whole_uses_every_param" {
  source = source.http.api
  param "sku" { type = "string" }
  param "qty" { type = "integer" }
  method = "POST"
  path   = "/v1/orders"
  body   = "args"
}

tool "undeclared_arg_in_CEL" {
  source = source.http.api
  method = "GET"
  path   = "/v1/stock"
  query {
    sku = "args.skuu" # want: args.skuu is not declared; add a param block named "skuu"
  }
}

tool "undeclared_bind_in_CEL" {
  source = source.http.api
  method = "GET"
  path   = "/v1/stock"
  headers {
    X-Org = "binds.org" # want: binds.org is not declared; add a bind block named "org"
  }
}

tool "CEL_does_not_compile" {
  source = source.http.api
  method = "POST"
  path   = "/v1/stock"
  body   = "{'a': }" # want: body does not compile
}

tool "response_outside_result" {
  source = source.http.api
  method = "POST"
  path   = "/v1/stock"
  body   = "response.body" # want: undeclared reference to 'response'
}

tool "body_on_GET" {
  source = source.http.api
  method = "GET"
  path   = "/v1/stock"
  body   = "{}" # want: A GET request has no body
}

tool "array_in_path" {
  source = source.http.api
  param "ids" {
    type  = "array"
    items = "integer"
  }
  method = "GET"
  path   = "/v1/{ids}" # want@17: param "ids" is an array
}

tool "optional_path_param" {
  source = source.http.api
  param "w" {
    type     = "string"
    required = false
  }
  method = "GET"
  path   = "/v1/{w}" # want@17: param "w" is optional without a default
}

tool "tool_header_set_by_the_source" {
  source = source.http.api
  method = "GET"
  path   = "/v1/stock"
  headers {
    authorization = "'x'" # want@5: The source already sets Authorization
  }
}

tool "reserved_tool_header" {
  source = source.http.api
  method = "GET"
  path   = "/v1/stock"
  headers {
    Host = "'evil'" # want@5: Host is set by the HTTP client itself
  }
}

tool "retry_unsafe_on_GET" {
  source       = source.http.api
  method       = "GET"
  path         = "/v1/stock"
  retry_unsafe = true # want: warning: retry_unsafe has no effect
}

tool "two_query_blocks" {
  source = source.http.api
  method = "GET"
  path   = "/v1/stock"
  query {}
  query {} # want: the first is at ../../testdata/invalid/http_tool.hcl:218:3.
}

tool "unknown_attribute" {
  source = source.http.api
  method = "GET"
  path   = "/v1/stock"
  sql    = "SELECT 1" # want: An argument named "sql" is not expected here
}
