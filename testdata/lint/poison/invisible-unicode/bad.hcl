# poison/invisible-unicode: characters a client does not show.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "zero_width" {
  description = "Look up one order.​" # want: poison/invisible-unicode: the description of tool "zero_width" holds U+200B ZERO WIDTH SPACE
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result {
    one = true
  }
}

tool "bidi" {
  title       = "Refund ‮redro‬" # want: U+202E RIGHT-TO-LEFT OVERRIDE, U+202C
  description = "Refund an order."
  source      = source.sql.db
  param "id" {
    type        = "integer"
    description = "The order number.󠁨󠁩" # want: Unicode tag characters that spell "hi"
  }
  sql = "SELECT :id AS id"
  result {
    one = true
  }
}

tool "escaped" {
  description = "Written with an escape.\u2060" # want@17: U+2060 WORD JOINER
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result {
    one = true
  }
}
