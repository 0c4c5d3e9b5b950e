# Tools some callers may never call: a staff key sees all of them, a guest
# key and the stdio principal only the public ones. Names alternate so that
# every page of two mixes the two kinds.
server {
  name      = "hidden"
  page_size = 2
}

auth {
  api_key "staff" {
    hash    = "sha256:d5436ce0811e1ac168f1b538204909d2dd24b6e3a278b1b40993fa417cd27b86" # mcpk_test_staff
    subject = "staff"
    scopes  = ["staff"]
  }
  api_key "guest" {
    hash    = "sha256:531c1370f82752ba0ec9fd9b891274baee4879c4c3b4325bf61e80e7bee55157" # mcpk_test_guest
    subject = "guest"
  }
  stdio {
    subject = "local"
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:hidden?mode=memory&cache=shared"
}

tool "a_public" {
  description = "Open to every caller."
  source      = source.sql.db
  guard       = "true"
  sql         = "SELECT 'a' AS name"
  result { one = true }
}

tool "b_staff" {
  description = "Cancels an order: staff only."
  source      = source.sql.db
  guard       = "'staff' in principal.scopes"
  param "order_id" {
    type    = "integer"
    minimum = 1
  }
  param "reason" {
    type = "string"
  }
  sql = "SELECT :order_id AS order_id, :reason AS reason"
  result { one = true }
}

tool "c_public" {
  description = "Open to every caller."
  source      = source.sql.db
  guard       = "true"
  sql         = "SELECT 'c' AS name"
  result { one = true }
}

tool "d_staff" {
  description = "Staff only."
  source      = source.sql.db
  guard       = "'staff' in principal.scopes"
  sql         = "SELECT 'd' AS name"
  result { one = true }
}

tool "e_public" {
  description = "Open to every caller, for small n."
  source      = source.sql.db
  guard       = "args.n < 10"
  param "n" {
    type = "integer"
  }
  sql = "SELECT :n AS n"
  result { one = true }
}

tool "f_staff" {
  description = "Staff only."
  source      = source.sql.db
  guard       = "'staff' in principal.scopes"
  sql         = "SELECT 'f' AS name"
  result { one = true }
}
