source "mcp" "both" {
  url     = "https://crm.example/mcp"
  command = "crm-server" # want: not both
}

source "mcp" "neither" { # want: needs url = "https://host/mcp"
  timeout = "5s"
}

source "mcp" "bad" {
  url              = "https://user:pass@crm.example/mcp" # want: must not carry credentials
  headers          = { "Mcp-Session-Id" = "fixed" }      # want: Mcp-Session-Id is set by the MCP transport itself
  args             = ["--verbose"]                       # want: args applies to a stdio subprocess
  max_result_bytes = 0                                   # want: from 1 byte to 1GB
}

source "mcp" "stdio" {
  command = "crm-server"
  env     = { "BAD-NAME" = "x" }           # want: is not a valid environment variable name
  headers = { Authorization = "Bearer x" } # want: headers are sent over HTTP
  retry {
    attempts = 11 # want: attempts must be between 1 and 10
  }
  circuit_breaker {
    open_for = "0s" # want: open_for must be longer than zero
  }
}

tool "search" {
  description   = "An upstream tool name is an MCP tool name."
  source        = source.mcp.stdio
  upstream_tool = "search contacts" # want: must be an MCP tool name
}

tool "nameless" { # want: The argument "upstream_tool" is required
  description = "upstream_tool is required."
  source      = source.mcp.stdio
}

source "mcp" "oauth" {
  url     = "https://crm.example/mcp"
  headers = { Authorization = "Bearer static" }
  oauth {                                      # want: headers set Authorization and the oauth block would replace it
    token_url     = "ftp://auth.example/token" # want: token_url must be an http:// or https:// URL
    client_id     = "gateway"
    client_secret = "secret"
  }
}
