# Every kind of limit and cache, on one SQLite database, for the in-process
# limits tests (limits_test.go).
limits {
  rate_limit { # the default for tools without their own
    rate  = "1/h"
    burst = 2
    key   = "global"
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = env("LIMITS_DB")
  seed   = <<-SQL
    CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL, org TEXT NOT NULL);
    INSERT INTO kv VALUES ('a', 'v1', 'acme'), ('b', 'v1', 'globex');
  SQL
}

# A second source with a cap, so that a call on one tool can hold the
# source's only slot against another.
source "sql" "capped" {
  driver          = "sqlite"
  dsn             = "file:capped?mode=memory&cache=shared"
  max_concurrency = 1
}

tool "per_principal" {
  description = "Three calls an hour per caller."
  source      = source.sql.db
  sql         = "SELECT v FROM kv WHERE k = 'a'"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 3
  }
}

tool "per_tool" {
  description = "Two calls an hour, whoever calls."
  source      = source.sql.db
  sql         = "SELECT v FROM kv WHERE k = 'a'"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 2
    key   = "tool"
  }
}

tool "per_org" {
  description = "Two calls an hour per organization."
  source      = source.sql.db
  sql         = "SELECT v FROM kv WHERE k = 'a'"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 2
    key   = "principal.claims.org"
  }
}

tool "default_one" {
  description = "Under the server default."
  source      = source.sql.db
  sql         = "SELECT v FROM kv WHERE k = 'a'"
  result { one = true }
}

tool "default_two" {
  description = "Under the server default too: it shares the global bucket."
  source      = source.sql.db
  sql         = "SELECT v FROM kv WHERE k = 'a'"
  result { one = true }
}

tool "spin" {
  description     = "Counts to n the slow way: a large n runs until cancelled."
  source          = source.sql.capped
  timeout         = "10m"
  max_concurrency = 1
  param "n" {
    type    = "integer"
    minimum = 1
  }
  sql = <<-SQL
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :n)
    SELECT max(i) AS n FROM c
  SQL
  result { one = true }
  rate_limit {
    rate = "1000/s"
  }
}

tool "beside_spin" {
  description = "Another tool on the capped source."
  source      = source.sql.capped
  sql         = "SELECT 1 AS one"
  result { one = true }
  rate_limit {
    rate = "1000/s"
  }
}

tool "get_value" {
  description = "A value, cached per caller."
  source      = source.sql.db
  param "k" { type = "string" }
  sql = "SELECT v FROM kv WHERE k = :k"
  result { one = true }
  rate_limit {
    rate = "1000/s"
  }
  cache {
    ttl = "1h"
  }
}

tool "get_value_shared" {
  description = "A value, cached for every caller of the same organization."
  source      = source.sql.db
  param "k" { type = "string" }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT v FROM kv WHERE k = :k AND org = :org"
  result { one = true }
  rate_limit {
    rate = "1000/s"
  }
  cache {
    ttl         = "1h"
    max_entries = 10
    shared      = true
  }
}

tool "set_value" {
  description = "Changes a value."
  source      = source.sql.db
  read_only   = false
  param "k" { type = "string" }
  param "v" { type = "string" }
  sql = "UPDATE kv SET v = :v WHERE k = :k RETURNING v"
  result { one = true }
  rate_limit {
    rate = "1000/s"
  }
}
