source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "not_bool" {
  description = "A guard that is not a predicate."
  source      = source.sql.db
  guard       = "principal.sub" # want: but this one is a string: compare it, as in principal.sub == 'alice' or principal.sub != ''.
  sql         = "SELECT 1"
}

tool "syntax" {
  description = "A guard that does not parse."
  source      = source.sql.db
  guard       = "'orders.read' in" # want: Invalid guard
  sql         = "SELECT 1"
}

tool "bind_from_args" {
  description = "A bind may not come from arguments."
  source      = source.sql.db
  bind "org" {
    from = "args.org" # want: undeclared reference to 'args'
  }
  sql = "SELECT * FROM t WHERE org = :org"
}

tool "claim_not_bool" {
  description = "A claim's type is known only when the guard runs."
  source      = source.sql.db
  guard       = "principal.claims.admin" # want: but this one is a dyn (known only when the guard runs: a claim or an argument): compare it, as in principal.claims.admin == 'value' or principal.claims.admin == true
  sql         = "SELECT 1"
}

tool "misspelt_field" {
  description = "principal has sub, scopes and claims, nothing else."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scope" # want: undefined field 'scope'
  sql         = "SELECT 1"
}

tool "whole_principal" {
  description = "A record is not a predicate."
  source      = source.sql.db
  guard       = "principal" # want: but this one is a principal record: use one of its fields: principal.claims, principal.scopes, principal.sub
  sql         = "SELECT 1"
}
