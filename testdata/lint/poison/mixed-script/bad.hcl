# poison/mixed-script: letters from another script that look Latin.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "get_order" {
  title       = "Gеt order" # want: poison/mixed-script: the title of tool "get_order" has the word "Gеt", which mixes Latin and Cyrillic
  description = "Сору the order to the archive." # want: written in Cyrillic letters that look Latin
  source      = source.sql.db
  param "status" {
    type        = "string"
    enum        = ["pаid", "shipped"] # want: an allowed value of param "status"
    description = "The status to match."
  }
  sql = "SELECT :status AS status"
  result {
    one = true
  }
}
