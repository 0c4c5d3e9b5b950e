# authz/expose-all-beyond-loopback: beyond loopback, the upstream's tools
# are declared one by one.
auth {
  resource = "https://mcp.shop.example.com/mcp"
  api_key "agent" {
    hash    = "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a"
    subject = "agent"
    scopes  = ["crm.read"]
  }
}

source "mcp" "crm" {
  url = "https://crm.example.com/mcp"
}

tool "find_contact" {
  description   = "Find a contact by name or e-mail."
  source        = source.mcp.crm
  upstream_tool = "search_contacts"
  guard         = "'crm.read' in principal.scopes"
  param "query" {
    type        = "string"
    max_length  = 40
    description = "A name or e-mail."
  }
}
