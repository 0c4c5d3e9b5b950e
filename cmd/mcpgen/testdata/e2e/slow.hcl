# A tool that takes a while, for the graceful shutdown test.
source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:slow?mode=memory&cache=shared"
}

tool "slow_count" {
  description = "Counts to a million the slow way."
  source      = source.sql.mem
  sql         = <<-SQL
    WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000)
    SELECT max(n) AS n FROM c
  SQL
  result { one = true }
}
