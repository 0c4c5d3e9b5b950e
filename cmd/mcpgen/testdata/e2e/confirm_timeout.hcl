# A confirmation the user has little time to answer, for
# TestConfirmTimeout.
source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:confirm_timeout?mode=memory&cache=shared"
}

tool "purge" {
  description = "Pretends to purge, once confirmed."
  source      = source.sql.mem
  confirm {
    message = "Purge everything?"
    timeout = "300ms"
  }
  sql = "SELECT 'purged' AS status"
  result {
    one = true
  }
}
