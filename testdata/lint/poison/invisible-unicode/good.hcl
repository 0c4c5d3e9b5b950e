# Non-ASCII text that shows as it reads is fine.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "menu" {
  title       = "Café menu — prices in €"
  description = <<-EOT
    Lists the café's dishes: crème brûlée, naïve “quotes”, 日本語 and emoji ☕.
	Tabs and new lines are fine.
  EOT
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result {
    one = true
  }
}
