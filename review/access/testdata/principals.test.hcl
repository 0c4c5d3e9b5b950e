# The API keys of access.hcl, as principals.
principal "acme_agent" {
  subject = "acme-agent"
  scopes  = ["orders.read"]
  claims  = { org = "acme" }
}

principal "acme_manager" {
  subject = "acme-manager"
  scopes  = ["orders.read", "orders.write"]
  claims  = { org = "acme" }
}

principal "globex_agent" {
  subject = "globex-agent"
  scopes  = ["orders.read"]
  claims  = { org = "globex" }
}

principal "no_org" {
  subject = "no-org"
  scopes  = ["orders.read", "orders.write"]
}
