# Expressions whose worst-case cost is over the evaluation limit are
# rejected at load; the estimate bounds args by the params' declarations.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "bounded" {
  description = "Iterates a list of at most 100 ids: cheap enough."
  source      = source.sql.db
  param "ids" {
    type      = "array"
    items     = "integer"
    max_items = 100
  }
  guard = "'orders.read' in principal.scopes && args.ids.all(i, i > 0)"
  sql   = "SELECT * FROM t WHERE id IN (:ids)"
}

tool "unbounded" {
  description = "Iterates a list without max_items: as long as a request body allows."
  source      = source.sql.db
  param "ids" {
    type  = "array"
    items = "integer"
  }
  guard = "args.ids.all(i, i > 0)" # want: give args.ids a max_items, or simplify it
  sql   = "SELECT * FROM t WHERE id IN (:ids)"
}

tool "quadratic_bind" {
  description = "A bind comparing every claim with every other."
  source      = source.sql.db
  guard       = "true"
  bind "keys" {
    from = "principal.claims.filter(k, principal.claims.exists(j, j != k && j.startsWith(k)))" # want: over the limit of 100,000: simplify it
  }
  sql = "SELECT * FROM t WHERE k IN (:keys)"
}

tool "costly_key" {
  description = "A rate limit key over an unbounded string."
  source      = source.sql.db
  param "region" {
    type = "string"
  }
  guard = "true"
  sql   = "SELECT * FROM t WHERE region = :region"
  rate_limit {
    rate = "10/m"
    key  = "args.region + '/' + principal.sub" # want: The rate limit key of tool "costly_key" does not compile: the estimated worst-case cost is
  }
}
