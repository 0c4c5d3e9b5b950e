source "sql" "db" {}

tool "a" {
  source = "sql.db" # want: Invalid source reference
}
tool "b" {
  source = source.sql # want: Invalid source reference
}
tool "c" {
  source = source.sql.db.x # want: Invalid source reference
}
tool "d" {
  source = sources.sql.db # want: Invalid source reference
}
tool "e" {
  source = source.sql["db"] # want: Invalid source reference
}
tool "f" {
  source = source.sql.nope # want: no source "sql" "nope" is declared
}
