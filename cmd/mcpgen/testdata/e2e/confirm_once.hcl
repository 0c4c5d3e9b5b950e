# A confirmed write served by several replicas that share a session key
# and a Redis, for TestConfirmOnceAcrossReplicas. The test creates the
# table in CONFIRM_DB.
limits {
  backend   = "redis"
  redis_url = env("REDIS_URL")
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = env("CONFIRM_DB")
}

tool "purge" {
  description = "Records one purge, once confirmed."
  source      = source.sql.db
  read_only   = false
  confirm {
    message = "Purge everything?"
  }
  sql = "INSERT INTO purges (at) VALUES (CURRENT_TIMESTAMP) RETURNING 'purged' AS status"
  result {
    one = true
  }
}
