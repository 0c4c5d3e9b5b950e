# A replica being drained: a call that takes a while, and a quick one.
source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:drain?mode=memory&cache=shared"
}

tool "slow_count" {
  description = "Counts to a million the slow way."
  source      = source.sql.mem
  timeout     = "10m"
  sql         = <<-SQL
    WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000)
    SELECT max(n) AS n FROM c
  SQL
  result { one = true }
}

tool "ping" {
  description = "Answers at once."
  source      = source.sql.mem
  sql         = "SELECT 'pong' AS answer"
  result { one = true }
}
