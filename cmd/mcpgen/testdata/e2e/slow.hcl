# A tool that takes a while, for the graceful shutdown test.
source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:slow?mode=memory&cache=shared"
}

tool "slow_count" {
  description = "Counts to a million the slow way."
  source      = source.sql.mem
  # Under -race on a loaded machine the count takes tens of seconds; the
  # tests that use it are about shutdown, not about the tool timeout.
  timeout = "10m"
  sql     = <<-SQL
    WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000)
    SELECT max(n) AS n FROM c
  SQL
  result { one = true }
}
