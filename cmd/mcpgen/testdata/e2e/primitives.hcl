# Resources, prompts and fixed-content tools beyond the conformance
# fixtures: pages of two, a guarded resource, an enum argument, a prompt
# embedding a static resource, and an about tool that embeds one too.
server {
  name      = "primitives"
  page_size = 2
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:primitives?mode=memory"
}

resource "a_handbook" {
  uri         = "docs://handbook"
  description = "The handbook."
  text        = "Be kind to customers."
}

resource "b_policy" {
  uri       = "docs://policy"
  mime_type = "text/markdown"
  text      = "# Refunds\nWithin 30 days."
}

resource "c_logo" {
  uri       = "docs://logo"
  mime_type = "image/png"
  blob      = filebase64("red.png")
}

resource "d_secret" {
  uri    = "docs://secret"
  source = source.sql.mem
  guard  = "'docs.secret' in principal.scopes"
  sql    = "SELECT 'classified' AS content"
  result {
    one = true
  }
}

resource "e_square" {
  uri_template = "calc://square/{n}"
  source       = source.sql.mem
  param "n" {
    type    = "integer"
    minimum = 0
    maximum = 1000
    enum    = [1, 2, 3, 12]
  }
  sql = "SELECT :n * :n AS square"
  result {
    one = true
  }
}

tool "about" {
  description = "What this server is, with its handbook."
  content "text" {
    text = "A test server."
  }
  content "resource" {
    uri = "docs://handbook"
  }
}

tool "broken" {
  description = "Always a declared error."
  is_error    = true
  content "text" {
    text = "Not today."
  }
}

prompt "greet" {
  description = "Greet someone in a tone."
  argument "name" {
    description = "Who to greet."
  }
  argument "tone" {
    description = "How."
    required    = false
    enum        = ["formal", "friendly", "frosty"]
  }
  message "user" "text" {
    text = "Greet {{name}} in a {{tone}} tone."
  }
  message "assistant" "resource" {
    uri = "docs://handbook"
  }
}
