source "sql" "db" {}

tool "empty" {
  source     = source.sql.db
  deprecated = "  " # want: deprecated tells clients what to do instead
}
tool "bad_date" {
  source     = source.sql.db
  deprecated = "use b instead; removed after 2027-02-30" # want: 2027-02-30 is not a date
}
tool "two_dates" {
  source     = source.sql.db
  deprecated = "deprecated on 2026-01-01; removed after 2027-03-01" # want: write one, not 2
}
tool "not_text" {
  source     = source.sql.db
  deprecated = true # want: Incorrect attribute value type
}
tool "secret" {
  source     = source.sql.db
  deprecated = env("HOME") # want@16: deprecated
}
tool "fine" {
  source     = source.sql.db
  deprecated = "use fine_v2 instead; removed after 2027-03-01 (ticket 20270301)"
}
