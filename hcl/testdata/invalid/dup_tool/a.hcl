source "sql" "db" {}

tool "get_order" {
  source = source.sql.db
}
