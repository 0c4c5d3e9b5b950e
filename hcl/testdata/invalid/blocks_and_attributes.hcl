source "sql" "db" {}

widget "x" "y" {}   # want: Unsupported block type
colour = "red"      # want: Unsupported argument

server {
  name   = "s"
  colour = "red" # want: Unsupported argument
}

tool "t" {
  source = source.sql.db
  param "p" {
    type  = "string"
    color = "red" # want: Unsupported argument
  }
  bind "b" {
    from = "principal.sub"
    to   = "x" # want: Unsupported argument
  }
}

tool { # want: Missing name for tool
  source = source.sql.db
}
