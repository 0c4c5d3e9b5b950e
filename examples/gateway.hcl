# mcpgen as a gateway: TechNova's own mcpgen server (examples/technova.hcl,
# over Streamable HTTP) and a second one started as a stdio subprocess sit
# behind this one. Clients connect here only; this server authenticates
# them, guards and binds every tool, audits, and pins what the upstreams
# announce (`mcpgen lock` records their definitions; a change is refused
# until re-locked). See docs/gateway.md.
#
# Run TechNova first (README, Quick start), then:
#   mcpgen lock examples/gateway.hcl
#   mcpgen serve --listen 127.0.0.1:8090 examples/gateway.hcl

server {
  name         = "technova-gateway"
  version      = "1.0.0"
  instructions = "Catalog and order tools for TechNova support agents, through one gateway."
}

auth {
  # A support agent at acme. The default hash is of the demo key
  # mcpk_gateway_demo_acme_support: set GATEWAY_SUPPORT_KEY_HASH anywhere real.
  api_key "acme_support" {
    hash    = env("GATEWAY_SUPPORT_KEY_HASH", "sha256:1b3c96428d68ed83b7f3994d68734047d9c4d289d188b016e32d37a79611222e")
    subject = "acme-support"
    scopes  = ["orders.read", "catalog.read"]
    claims  = { org = "acme" }
  }

  stdio {
    subject = "local-support-agent"
    scopes  = ["orders.read", "catalog.read"]
    claims  = { org = "acme" }
  }
}

# TechNova's mcpgen over HTTP, with this gateway's own key (the read-only
# acme reporting key of examples/technova.hcl), never the caller's.
source "mcp" "technova" {
  url     = env("TECHNOVA_MCP_URL", "http://127.0.0.1:8080/mcp")
  headers = { Authorization = "Bearer ${env("TECHNOVA_MCP_KEY", "mcpk_technova_demo_acme_reporting")}" }
  timeout = "5s"

  retry {
    attempts = 2
  }
  circuit_breaker {
    failures = 3
    open_for = "20s"
  }
}

# The same TechNova configuration served over stdio by a subprocess: its
# stdio principal is acme's (TECHNOVA_ORG). It inherits none of this
# server's environment beyond PATH, HOME and the locale: what it needs is
# passed here. The mcpgen.lock beside these files is the gateway's, which
# pins what the subprocess announces: the subprocess does not read it.
source "mcp" "orders" {
  command = env("MCPGEN_BIN", "mcpgen")
  args    = ["serve", "--stdio", "--no-lock", "technova.hcl"]
  dir     = "."
  env = {
    TECHNOVA_DB  = env("TECHNOVA_DB", "file:technova.db")
    TECHNOVA_ORG = "acme"
  }
}

tool "catalog_search" {
  title         = "Search the catalog"
  description   = <<-EOT
    Search the TechNova catalog by a word in the product name, description or
    sku. Returns sku, name, category, price_cents and description, name
    matches first. An empty list means nothing matched: try another word.
  EOT
  source        = source.mcp.technova
  upstream_tool = "search_products"
  guard         = "'catalog.read' in principal.scopes"
  timeout       = "5s"

  # Narrower than the upstream's: shorter queries, fewer results.
  param "query" {
    type        = "string"
    min_length  = 2
    max_length  = 40
    description = "Text to find, e.g. \"usb-c\"."
  }
  param "limit" {
    type        = "integer"
    minimum     = 1
    maximum     = 20
    default     = 5
    description = "The most products to return, 1 to 20. Defaults to 5."
  }
}

tool "acme_order" {
  title         = "Get an acme order"
  description   = <<-EOT
    One acme order by its number, with its status and total. Use it when an
    acme customer asks about a specific order; an unknown number is an error.
  EOT
  source        = source.mcp.orders
  upstream_tool = "get_order"
  # The subprocess answers as acme: only acme's agents may reach it.
  guard   = "'orders.read' in principal.scopes && principal.claims.org == 'acme'"
  timeout = "5s"

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order number, e.g. 1042."
  }
}
