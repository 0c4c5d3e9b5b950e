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

# A guarded resource answers a caller who may not read it as an unknown URI
# would be answered, which needs URI characters only.
resource "accented" {
  uri   = "docs://café" # want: percent-encode the others in "docs://café"
  text  = "x"
  guard = "true"
}

resource "spaced" {
  uri_template = "docs://café/{k}" # want: must be made of URI characters
  source       = source.sql.db
  guard        = "true"
  param "k" { type = "string" }
  sql = "SELECT :k AS k"
}

resource "open_accented" {
  uri  = "docs://naïve" # open to every caller: never hidden, so any URI will do
  text = "x"
}
