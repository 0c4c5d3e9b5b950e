# authz/expose-all-beyond-loopback: the resource URL says the server is
# reached from other machines, and every pinned CRM tool is exposed.
auth {
  resource = "https://mcp.shop.example.com/mcp"
  api_key "agent" {
    hash    = "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a"
    subject = "agent"
    scopes  = ["crm.read"]
  }
}

source "mcp" "crm" {
  url        = "https://crm.example.com/mcp"
  expose_all = true # want: authz/expose-all-beyond-loopback: source "mcp.crm" re-exposes every pinned upstream tool behind one guard, and the server listens beyond loopback (the auth block's resource https://mcp.shop.example.com/mcp)
  guard      = "'crm.read' in principal.scopes"
}
