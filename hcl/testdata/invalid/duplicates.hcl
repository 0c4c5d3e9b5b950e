server {
  name = "one"
}
server { # want: Duplicate server block
  name = "two"
}

source "sql" "db" {}
source "sql" "db" {} # want: source "sql" "db" is already declared at testdata/invalid/duplicates.hcl:8:1.
source "http" "db" {}

tool "t" {
  source = source.sql.db
  param "id" {
    type = "integer"
  }
  param "id" { # want: param "id" is already declared at testdata/invalid/duplicates.hcl:14:3.
    type = "string"
  }
  bind "org" {
    from = "principal.claims.org"
  }
  bind "org" { # want: Duplicate bind
    from = "principal.claims.org"
  }
  bind "id" { # want: bind "id" has the same name as param "id"
    from = "principal.sub"
  }
  param "org" { # want: Duplicate param or bind name
    type = "string"
  }
}

audit {}
audit {} # want: An audit block is already declared at testdata/invalid/duplicates.hcl:34:1; there can be only one.

auth {
  stdio {
    subject = "me"
  }
}
auth { # want: Duplicate auth block
  stdio {
    subject = "me"
  }
}

limits {}
limits {} # want: A limits block is already declared at testdata/invalid/duplicates.hcl:48:1
