limits {
  backend        = "etcd" # want: backend must be one of "memory", "redis", not "etcd"
  on_redis_error = "maybe" # want: on_redis_error must be one of "deny", "allow"
  max_keys       = 0 # want: max_keys must be at least 1

  rate_limit {
    rate  = "10 per second" # want: rate must be a number of calls per unit
    burst = 0 # want: burst must be at least 1
  }
  rate_limit { # want: A rate_limit block is already declared
    rate = "0/s" # want: must be a whole number of at least 1
  }
  http_rate_limit {
    rate = "5/fortnight" # want: the unit in "5/fortnight" must be s, m, h
    key  = "principal" # want: An argument named "key" is not expected here
  }
}

limits { # want: A limits block is already declared
  backend  = "memory"
  redis_url = "redis://127.0.0.1:6379" # want: redis_url applies to backend = "redis" only
}

source "sql" "db" {
  driver          = "sqlite"
  dsn             = "file:unused.db"
  max_concurrency = 0 # want: max_concurrency must be at least 1
}

tool "limited" {
  description     = "Every limit a tool can have, wrongly."
  source          = source.sql.db
  max_concurrency = "four" # want: max_concurrency must be a number, not a string
  sql             = "SELECT 1"

  rate_limit { # want: The argument "rate" is required
    burst = 5
    key   = "" # want: key must be "principal", "tool", "global" or a CEL expression
  }
  rate_limit { # want: A rate_limit block is already declared
    rate = "1/m"
  }
}
