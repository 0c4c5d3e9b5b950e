source "sql" "db" {}

server { # want: Missing required argument
  version = "1.0.0"
}

tool "no_source" { # want: Missing source or content
  title = "x"
}

tool "t" {
  source = source.sql.db
  param "p" { # want: Missing required argument
    description = "no type"
  }
  bind "b" { # want: Missing required argument
  }
}
