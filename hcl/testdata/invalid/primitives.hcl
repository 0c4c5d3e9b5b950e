source "sql" "db" {}

tool "both" {
  source = source.sql.db
  content "text" { # want: A tool either runs a source or returns fixed content
    text = "x"
  }
}
tool "fixed" {
  is_error = true
  content "video" { # want: "video" is not a content kind
  }
  content "image" {
    data      = "not base64!" # want: data must be base64
    mime_type = "png" # want: "png" is not a mime type
  }
  content "text" { # want: A fixed-content tool takes no arguments, so {{...}}
    text = "Hello {{name}}"
  }
  param "p" { # want: A tool with fixed content takes no arguments
    type = "string"
  }
}
tool "sourced" {
  source   = source.sql.db
  is_error = true # want: is_error applies to a tool with fixed content
}

resource "no_uri" { # want: A resource needs a uri
  text = "x"
}
resource "two_uris" {
  uri          = "a://b"
  uri_template = "a://{b}" # want: A resource has a uri or a uri_template, not both
  text         = "x"
}
resource "relative" {
  uri  = "handbook.md" # want: is not an absolute URI
  text = "x"
}
resource "empty" { # want: A resource needs text
  uri = "a://empty"
}
resource "blob_no_type" {
  uri  = "a://blob"
  blob = "AAAA" # want: A blob needs mime_type
}
resource "static_template" {
  uri_template = "a://{x}" # want: A uri_template resource is read from a source
  text         = "x"
}
resource "static_guard" {
  uri     = "a://guarded"
  text    = "x"
  guard   = "true"
  timeout = "1s" # want: timeout applies only to a resource read from a source
}
resource "static_empty_guard" {
  uri   = "a://empty-guard"
  text  = "x"
  guard = "" # want: guard must be a CEL expression, not an empty string
}
resource "mixed" { # want: A resource is read from a source or has fixed text
  uri    = "a://mixed"
  source = source.sql.db
  text   = "x"
}
resource "no_uri" { # want: resource "no_uri" is already declared at testdata/invalid/primitives.hcl:29:1.
  uri  = "a://other"
  text = "x"
}
resource "same_uri" { # want: already has the uri "a://b"
  uri  = "a://b"
  text = "x"
}
resource "query_params" {
  uri    = "a://q"
  source = source.sql.db
  param "p" { # want: A resource's params come from its URI
    type = "string"
  }
}

prompt "bad" {
  argument "a" {
    enum = [] # want: enum must be a non-empty list of strings
  }
  argument "a" { # want: argument "a" is already declared at testdata/invalid/primitives.hcl:85:3.
  }
  argument "c" {
    complete { # want: A complete block runs a query
    }
  }
  message "system" "text" { # want: "system" is not a message role
    text = "x"
  }
  message "user" "text" {
    text = "{{ nope }} and {{ a-b }}" # want: {{nope}} names no argument # want: {{ a-b }} is not a placeholder
  }
  message "user" "resource" {
    uri       = "a://{{a}}"
    mime_type = "text/plain" # want: A resource without text or blob is read from the server's resources
  }
}
prompt "silent" { # want: A prompt needs at least one message
  guard = 5 # want: guard must be a string, not a number
}
prompt "silent" { # want: prompt "silent" is already declared at testdata/invalid/primitives.hcl:105:1.
  message "user" "text" {
    text = "x"
  }
}
