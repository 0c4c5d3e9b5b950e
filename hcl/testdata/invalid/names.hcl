source "sql" "db" {}
source "sql" "my-db" {} # want: Invalid source name
source "s q l" "x" {}   # want: Invalid source type

tool "get order" { # want: Invalid tool name
  source = source.sql.db
}
tool "" { # want: Invalid tool name
  source = source.sql.db
}
tool "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" { # want: Invalid tool name
  source = source.sql.db
}
tool "ok.name-1_x" {
  source = source.sql.db
  param "1st" { # want: Invalid param name
    type = "string"
  }
  bind "a-b" { # want: Invalid bind name
    from = "principal.sub"
  }
}
