# Resources, templates and prompts some callers may never use, beside
# hidden_tools.hcl (its callers and source): staff sees everything, the
# guest key and the stdio principal only what is open.

resource "a_open" {
  uri   = "docs://open"
  text  = "Open to all."
  guard = "true"
}

resource "b_staff" {
  uri   = "docs://staff"
  text  = "Staff only."
  guard = "'staff' in principal.scopes"
}

resource "c_open" {
  uri   = "docs://open-too"
  text  = "Open to all, too."
  guard = "true"
}

resource "d_staff" {
  uri   = "docs://staff-too"
  text  = "Staff only, too."
  guard = "'staff' in principal.scopes"
}

resource "e_open" {
  uri   = "docs://open-three"
  text  = "Open to all, three."
  guard = "true"
}

resource "t_a_open" {
  uri_template = "calc://square/{n}"
  source       = source.sql.db
  guard        = "true"
  param "n" {
    type = "integer"
    enum = [1, 2, 3, 12]
  }
  sql = "SELECT :n * :n AS square"
  result { one = true }
}

resource "t_b_staff" {
  uri_template = "staff://orders/{id}"
  source       = source.sql.db
  guard        = "'staff' in principal.scopes"
  param "id" {
    type = "integer"
    enum = [1, 2]
  }
  sql = "SELECT :id AS id"
  result { one = true }
}

resource "t_c_open" {
  uri_template = "calc://double/{n}"
  source       = source.sql.db
  guard        = "true"
  param "n" {
    type = "integer"
  }
  sql = "SELECT :n * 2 AS double"
  result { one = true }
}

resource "t_d_staff" {
  uri_template = "staff://notes/{k}"
  source       = source.sql.db
  guard        = "'staff' in principal.scopes"
  param "k" {
    type = "string"
  }
  sql = "SELECT :k AS k"
  result { one = true }
}

resource "t_e_open" {
  uri_template = "calc://triple/{n}"
  source       = source.sql.db
  guard        = "true"
  param "n" {
    type = "integer"
  }
  sql = "SELECT :n * 3 AS triple"
  result { one = true }
}

prompt "a_open" {
  guard = "true"
  argument "topic" {
    enum = ["orders", "returns"]
  }
  message "user" "text" {
    text = "Tell me about {{topic}}."
  }
}

prompt "b_staff" {
  guard = "'staff' in principal.scopes"
  argument "order_id" {
    complete {
      source = source.sql.db
      guard  = "true"
      sql    = "SELECT :value AS v"
    }
  }
  message "user" "text" {
    text = "Cancel order {{order_id}}."
  }
}

prompt "c_open" {
  guard = "true"
  message "user" "text" {
    text = "Open."
  }
}

prompt "d_staff" {
  guard = "'staff' in principal.scopes"
  message "user" "resource" {
    uri = "docs://staff"
  }
}

prompt "e_open" {
  guard = "true"
  message "user" "text" {
    text = "Open, three."
  }
}

# Open itself, but it embeds a resource only staff may read: a guest gets
# it as if that resource did not exist.
prompt "f_open_embeds_staff" {
  guard = "true"
  message "user" "resource" {
    uri = "docs://staff"
  }
}
