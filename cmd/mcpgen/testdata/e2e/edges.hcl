# Hardening the edges: sensitive values, claims that are lists, exact
# URI variables. The API key is the TechNova demo key startHTTP presents;
# both it and stdio carry an org claim that is a list.
server {
  name  = "edges"
  guard = "true"
}

auth {
  resource = "http://127.0.0.1:8080/mcp"

  api_key "multi" {
    hash    = "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a" # mcpk_technova_demo_acme_reporting
    subject = "multi-org"
    claims  = { org = ["acme", "globex"], team = "support" }
  }
  stdio {
    subject = "multi-org"
    claims  = { org = ["acme", "globex"], team = "support" }
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:edges?mode=memory&cache=shared"
  seed   = <<-SQL
    CREATE TABLE orders (id INTEGER PRIMARY KEY, org TEXT NOT NULL, status TEXT NOT NULL);
    INSERT INTO orders VALUES (1002, 'acme', 'shipped'), (1003, 'globex', 'pending'), (1004, 'initech', 'pending');
  SQL
}

tool "login" {
  description = "Checks a password's shape."
  source      = source.sql.db
  param "password" {
    type       = "string"
    sensitive  = true
    min_length = 20
    pattern    = "[A-Z][a-z0-9-]+"
    enum       = ["Correct-horse-battery-staple"]
  }
  sql = "SELECT length(:password) AS n"
  result { one = true }
}

tool "orders_of_org" {
  description = "Orders of the caller's organization (one org)."
  source      = source.sql.db
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT id FROM orders WHERE org = :org ORDER BY id"
}

resource "order" {
  uri_template = "edges://orders/{order_id}"
  description  = "One order."
  source       = source.sql.db
  param "order_id" {
    type    = "integer"
    minimum = 1
  }
  sql = "SELECT id, status FROM orders WHERE id = :order_id"
  result {
    one       = true
    not_found = "No such order."
  }
}
