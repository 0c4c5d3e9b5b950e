# env() values are secrets: a diagnostic about one names the attribute and
# the rule, never the value (here a password in a URL).
auth {
  resource              = "http://127.0.0.1:8080/mcp"
  authorization_servers = ["https://login.example.com", env("MCPGEN_TEST_UNSET_VAR", "ftp://admin:hunter2@login.example.com")] # want: authorization_servers[1] must use https (http is allowed for loopback hosts only), not the value from env()
  scopes                = [env("MCPGEN_TEST_UNSET_VAR", "bad scope hunter2")] # want: the value from env() is not a scope name

  jwt {
    issuer      = env("MCPGEN_TEST_UNSET_VAR", "ftp://admin:hunter2@login.example.com") # want: issuer must use https (http is allowed for loopback hosts only), not the value from env()
    jwks_url    = env("MCPGEN_TEST_UNSET_VAR", "admin:hunter2@login") # want: jwks_url must be an absolute URL such as "https://mcp.example.com/mcp", not the value from env()
    algorithms  = [env("MCPGEN_TEST_UNSET_VAR", "hunter2")] # want: the value from env() cannot be used
    scope_claim = env("MCPGEN_TEST_UNSET_VAR", "hunter2") # want: not the value from env()
  }
}
