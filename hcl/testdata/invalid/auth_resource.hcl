auth { # want: With a jwt block, the auth block needs resource
  jwt {
    issuer   = "https://login.example.com"
    jwks_url = "https://login.example.com/keys"
  }
}

auth { # want: An auth block is already declared
  resource = "https://mcp.example.com/mcp" # want: resource is only used with a jwt block or api_key blocks
  stdio {
    subject = "me"
  }
}
