# Rate limits kept in Redis, shared by every server process using it.
limits {
  backend   = "redis"
  redis_url = env("REDIS_URL")
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:redis?mode=memory&cache=shared"
}

tool "ping" {
  description = "Three calls an hour per run, across every replica."
  source      = source.sql.mem
  param "run" { type = "string" }
  sql = "SELECT 'pong' AS answer, :run AS run"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 3
    key   = "args.run" # a bucket per test run, however often the tests run against one Redis
  }
}
