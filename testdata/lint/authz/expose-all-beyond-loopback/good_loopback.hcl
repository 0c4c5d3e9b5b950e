# authz/expose-all-beyond-loopback: a server on loopback (no resource URL,
# no --listen) may expose every pinned tool of a local upstream.
source "mcp" "crm" {
  command    = "crm-server"
  expose_all = true
  guard      = "'crm.read' in principal.scopes"
}
