# A tool rate limit without a limits block: the backend is the default
# (memory), and a reload must keep its buckets all the same.
source "sql" "db" {
  driver = "sqlite"
  dsn    = env("LIMITS_DB")
}

tool "per_principal" {
  description = "Three calls an hour per caller."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 3
  }
}
