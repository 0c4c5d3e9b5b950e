# Binds with a declared type, loaded with edges.hcl.

tool "orders_of_orgs" {
  description = "Orders of every organization the caller belongs to."
  source      = source.sql.db
  bind "orgs" {
    from = "principal.claims.org"
    type = "array"
  }
  sql = "SELECT id FROM orders WHERE org IN (SELECT value FROM json_each(:orgs)) ORDER BY id"
}

tool "team_orders" {
  description = "Orders, for a team given as a string."
  source      = source.sql.db
  bind "team" {
    from = "principal.claims.team"
    type = "string"
  }
  sql = "SELECT count(*) AS n FROM orders WHERE :team = 'support'"
  result { one = true }
}
