auth {
  resource        = "mcp.example.com/mcp" # want: resource must be an absolute URL
  scopes          = ["orders.read", "has space"] # want: "has space" is not a scope name
  required_scopes = "orders.read" # want: required_scopes must be a list of strings, not a string

  jwt {
    issuer      = "http://login.example.com" # want: issuer must use https
    jwks_url    = "https://login.example.com/keys#frag" # want: jwks_url must not have a fragment
    algorithms  = ["RS256", "none"] # want: "none" cannot be used: unsigned tokens prove nothing
    leeway      = "1h" # want: leeway is for clock skew
    scope_claim = "scopes" # want: scope_claim must be "scope"
  }
  jwt { # want: Duplicate jwt block
    issuer   = "https://a.example.com"
    jwks_url = "https://a.example.com/keys"
    algorithms = ["HS256"] # want: a shared secret lets every verifier mint tokens
  }

  api_key "reporting" {
    hash    = "mcpk_the_key_itself" # want: hash must be "sha256:" followed by 64 lowercase hex digits
    subject = "svc"
  }
  api_key "one" {
    hash    = "sha256:8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a"
    subject = "" # want: subject must not be empty
    claims  = "acme" # want: claims must be an object
  }
  api_key "two" {
    hash    = "sha256:8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a" # want: has the same hash as api_key "one" at testdata/invalid/auth.hcl:23:3
    subject = "svc-two"
  }
  api_key "one" { # want: api_key "one" is already declared at testdata/invalid/auth.hcl:23:3.
    hash    = "sha256:8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d70"
    subject = "svc-three"
  }
  api_key "no_subject" { # want: The argument "subject" is required
    hash = "sha256:8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d00"
  }

  stdio {
    subject = "me"
    roles   = ["admin"] # want: An argument named "roles" is not expected here
  }
  stdio { # want: The stdio principal is already declared at testdata/invalid/auth.hcl:40:3
    subject = "me"
  }
}
