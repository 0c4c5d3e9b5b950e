tool "other" {
  source = source.sql.db
}

tool "get_order" { # want: tool "get_order" is already declared at testdata/invalid/dup_tool/a.hcl:3:1.
  source = source.sql.db
}
