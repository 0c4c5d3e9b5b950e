source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:primitives?mode=memory"
}

resource "order" {
  uri_template = "x://orders/{order_id}/{extra}" # want: uri_template uses {extra}; declare param "extra"
  source       = source.sql.db
  param "order_id" {
    type = "integer"
  }
  param "unused" { # want: param "unused" gets its value from the URI
    type = "string"
  }
  sql = "SELECT :order_id AS id, :unused AS u"
}

resource "bad_template" {
  uri_template = "x://{broken" # want: uri_template is not an RFC 6570 template
  source       = source.sql.db
  sql          = "SELECT 1 AS one"
}

tool "about" {
  description = "About."
  content "resource" {
    uri = "x://nowhere" # want: tool "about" embeds "x://nowhere", but no resource
  }
}

prompt "p" {
  message "user" "resource" {
    uri = "x://also-nowhere" # want: prompt "p" embeds "x://also-nowhere"
  }
}
