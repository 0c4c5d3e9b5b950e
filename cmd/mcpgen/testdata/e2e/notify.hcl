# Tools for TestCallLogging and TestProgressKeepAlive: a quick one with a
# sensitive param, and a statement that runs until it is cancelled.
source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:notify?mode=memory&cache=shared"
}

tool "lookup" {
  description = "Echoes a code back, counted."
  source      = source.sql.mem
  param "code" {
    type      = "string"
    sensitive = true
  }
  sql = "SELECT length(:code) AS n"
  result {
    one = true
  }
}

tool "other" {
  description = "Another quick tool."
  source      = source.sql.mem
  sql         = "SELECT 1 AS one"
  result {
    one = true
  }
}

tool "forever" {
  description = "Counts for far longer than any test waits."
  source      = source.sql.mem
  timeout     = "10m"
  sql         = <<-SQL
    WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 100000000000)
    SELECT max(n) AS n FROM c
  SQL
  result {
    one = true
  }
}
