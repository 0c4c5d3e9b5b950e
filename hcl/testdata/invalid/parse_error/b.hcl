# The source in a.hcl does not parse: no cascade of undeclared sources.
tool "t" {
  source = source.sql.db
}
