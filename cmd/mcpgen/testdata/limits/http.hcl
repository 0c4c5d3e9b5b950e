# A request limit over HTTP, before any tool runs.
limits {
  http_rate_limit {
    rate  = "1/h"
    burst = 4
  }
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:http?mode=memory&cache=shared"
}

tool "ping" {
  description = "Answers pong."
  source      = source.sql.mem
  sql         = "SELECT 'pong' AS answer"
  result { one = true }
}
