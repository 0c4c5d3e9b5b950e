# The access matrix's test configuration: guards on scopes, claims,
# arguments, the transport and the time, a bind from a claim, a closed
# tool, and a resource, a template and a prompt. Each API key's identity
# is a principal of principals.test.hcl, so the matrix can be checked
# against real calls (e2e_test.go).
server {
  name = "access-test"
}

auth {
  api_key "acme_agent" {
    hash    = "sha256:85db8b3e11636bb5505603a4577bf0e640a201a2e61e0dd59c4bb6e55779a4d0" # mcpk_access_acme_agent
    subject = "acme-agent"
    scopes  = ["orders.read"]
    claims  = { org = "acme" }
  }
  api_key "acme_manager" {
    hash    = "sha256:cfd8a4efb7374e0315ff7d4ed566011e6cc7a133ebb1a1438cb38e1c13e085a9" # mcpk_access_acme_manager
    subject = "acme-manager"
    scopes  = ["orders.read", "orders.write"]
    claims  = { org = "acme" }
  }
  api_key "globex_agent" {
    hash    = "sha256:4ccc045aa2e0590da663df2c613ed467e8660c2bc0d1d0e42a4d70dd514447c8" # mcpk_access_globex_agent
    subject = "globex-agent"
    scopes  = ["orders.read"]
    claims  = { org = "globex" }
  }
  api_key "no_org" {
    hash    = "sha256:6956705202bef91ecf03ee4413452dbb548555729ab0599d802f35d63042a004" # mcpk_access_no_org
    subject = "no-org"
    scopes  = ["orders.read", "orders.write"]
  }
  stdio {
    subject = "local"
    scopes  = ["orders.read"]
    claims  = { org = "acme" }
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:access?mode=memory&cache=shared"
}

tool "get_order" {
  description = "One order of the caller's organization."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scopes"
  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order number. <img src=x onerror=alert(1)> (markup: the page must show it as text)"
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT :order_id AS id, :org AS org"
  result { one = true }
}

tool "refund" {
  description = "Refund part of an order: writers only, under 1000."
  source      = source.sql.db
  guard       = "'orders.write' in principal.scopes && args.amount < 1000"
  param "order_id" {
    type    = "integer"
    minimum = 1
  }
  param "amount" {
    type    = "integer"
    minimum = 1
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT :order_id AS id, :amount AS amount, :org AS org"
  result { one = true }
}

tool "acme_report" {
  description = "A report for acme's\u200b staff." # a zero-width space: the page shows it
  source      = source.sql.db
  guard       = "principal.claims.org == 'acme'"
  sql         = "SELECT 'acme' AS org"
  result { one = true }
}

tool "local_only" {
  description = "Only for the local stdio client."
  source      = source.sql.db
  guard       = "request.transport == 'stdio'"
  sql         = "SELECT 1 AS one"
  result { one = true }
}

tool "office_hours" {
  description = "Readers, before six in the evening (UTC)."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scopes && request.time.getHours() < 18"
  sql         = "SELECT 1 AS one"
  result { one = true }
}

tool "unguarded" {
  description = "No guard: with an auth block, nobody may call it."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
}

resource "policy" {
  uri   = "docs://policy"
  text  = "Refunds above 1000 need a manager."
  guard = "'orders.write' in principal.scopes"
}

resource "order" {
  uri_template = "orders://{order_id}"
  source       = source.sql.db
  guard        = "'orders.read' in principal.scopes"
  param "order_id" {
    type    = "integer"
    minimum = 1
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT :order_id AS id, :org AS org"
  result { one = true }
}

prompt "triage" {
  guard = "principal.claims.org == 'globex' || 'orders.write' in principal.scopes"
  message "user" "text" {
    text = "Triage the open orders."
  }
}
