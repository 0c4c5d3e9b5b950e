# Misspelt names: a name written where another is expected gets a "did you
# mean", whichever part of mcpgen knows the right one (the tool's own
# attributes, its limits, its adapter's), and a misspelt param or bind block
# is one mistake, not also an undeclared name wherever the name is used.

source "sql" "db" {
  driver         = "sqlite"
  dsn            = "file:suggestions?mode=memory"
  max_concurency = 2 # want@3: An argument named "max_concurency" is not expected here. Did you mean "max_concurrency"?
  requird        = true # want@3: Did you mean "required"?
}

source "http" "api" {
  base_url = "http://127.0.0.1:1"
  bse_path = "/v1" # want@3: An argument named "bse_path" is not expected here.
}

tool "typo_attributes" {
  titel      = "Typo" # want@3: Did you mean "title"?
  descripton = "x" # want@3: An argument named "descripton" is not expected here. Did you mean "description"?
  source     = source.sql.db
  gaurd      = "true" # want@3: Did you mean "guard"?
  sql        = "SELECT 1"
  resut { # want@3: Blocks of type "resut" are not expected here. Did you mean "result"?
    one = true
  }
  rate_limt { # want@3: Did you mean "rate_limit"?
    rate = "1/s"
  }
}

tool "typo_param" {
  description = "The SQL uses :id, which the misspelt block meant to declare."
  source      = source.sql.db
  parm "id" { # want@3: Blocks of type "parm" are not expected here. Did you mean "param"?
    type = "integer"
  }
  sql = "SELECT :id AS id"
}

tool "typo_bind" {
  description = "An HTTP tool whose path and query use a misspelt bind."
  source      = source.http.api
  bnd "org" { # want@3: Did you mean "bind"?
    from = "principal.claims.org"
  }
  method = "GET"
  path   = "/orgs/{org}"
  query {
    org = "binds.org"
  }
}

tool "typo_source" { # the one mistake, not "Missing source or content"
  description = "x"
  sorce       = source.sql.db # want@3: An argument named "sorce" is not expected here. Did you mean "source"?
  sql         = "SELECT 1"
}

tool "block_as_attribute" {
  source = source.sql.db
  sql    = "SELECT 1"
  result = { one = true } # want@3: Did you mean to define a block of type "result"?
}

tool "undeclared_still_reported" {
  description = "A name no block meant to declare is still undeclared."
  source      = source.sql.db
  sql         = "SELECT :nobody" # want: SQL parameter :nobody is not declared
}

resource "typo_template_param" {
  uri_template = "x://orders/{id}"
  source       = source.sql.db
  parms "id" { # want@3: Did you mean "param"?
    type = "integer"
  }
  sql = "SELECT :id AS id"
}

resource "typo_static" {
  uri      = "x://static"
  text     = "x"
  mimetype = "text/plain" # want@3: Did you mean "mime_type"?
}
