# The configuration every replica of the example deployment serves: one
# PostgreSQL shared by all, rate limits kept in one Redis. deploy/run.sh
# creates the table and sets DEPLOY_PG_DSN and DEPLOY_REDIS_URL.
server {
  name    = "deploy"
  version = "1.0.0"
}

limits {
  backend        = "redis"
  redis_url      = env("DEPLOY_REDIS_URL")
  on_redis_error = "deny"
}

source "sql" "pg" {
  driver = "postgres"
  dsn    = env("DEPLOY_PG_DSN")
}

tool "record_write" {
  description = <<-EOT
    Records one write under the id the client chose. Calling it twice with
    one id records it twice: the fault tests count rows per id.
  EOT
  source      = source.sql.pg
  read_only   = false
  destructive = false
  idempotent  = false
  timeout     = "5s"

  param "call_id" {
    type        = "string"
    max_length  = 100
    description = "The client's id for this call."
  }
  param "client" {
    type        = "string"
    max_length  = 100
    description = "Which client sent it."
  }

  sql = <<-SQL
    INSERT INTO writes (call_id, client) VALUES (:call_id, :client)
    RETURNING call_id
  SQL
  result { one = true }
}

tool "confirmed_write" {
  description = <<-EOT
    Records one write under the id the client chose, once the user at the
    client confirmed it. The fault tests answer the confirmation while the
    replica that asked restarts.
  EOT
  source      = source.sql.pg
  read_only   = false
  destructive = false
  idempotent  = false
  timeout     = "5s"

  param "call_id" {
    type        = "string"
    max_length  = 100
    description = "The client's id for this call."
  }
  param "client" {
    type        = "string"
    max_length  = 100
    description = "Which client sent it."
  }
  confirm {
    message = "Record write {{call_id}}?"
    timeout = "1m"
  }

  sql = <<-SQL
    INSERT INTO writes (call_id, client) VALUES (:call_id, :client)
    RETURNING call_id
  SQL
  result { one = true }
}

tool "count_writes" {
  description = "How many rows one client has recorded."
  source      = source.sql.pg
  param "client" {
    type       = "string"
    max_length = 100
  }
  sql = "SELECT count(*) AS n FROM writes WHERE client = :client"
  result { one = true }
}

tool "limited" {
  description = "Answers at most ten times per run, across every replica."
  source      = source.sql.pg
  param "run" {
    type       = "string"
    max_length = 100
  }
  sql = "SELECT :run AS run"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 10
    key   = "args.run"
  }
}
