# A confirmed tool served by several replicas, for TestConfirmAcrossReplicas.
source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:confirm_replicas?mode=memory&cache=shared"
}

tool "purge" {
  description = "Pretends to purge, once confirmed."
  source      = source.sql.mem
  confirm {
    message = "Purge everything?"
  }
  sql = "SELECT 'purged' AS status"
  result {
    one = true
  }
}
