# One script per word is fine, whatever the script.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "translate" {
  title       = "Translate Заказ"
  description = "Translates words such as Заказ, λόγος, naïve and façade; λ is a Greek letter."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result {
    one = true
  }
}
