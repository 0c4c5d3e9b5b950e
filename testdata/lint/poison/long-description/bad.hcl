# poison/long-description: over the budget (10 tokens, about 40 characters, here).
lint {
  max_description_tokens = 10
}

server {
  name         = "verbose"
  instructions = "These instructions go on for longer than the budget allows them to." # want: poison/long-description: the server's instructions text is about 17 tokens, over the budget of 10
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "count" {
  description = "Counts."
  source      = source.sql.db
  param "what" {
    type        = "string"
    description = "What to count, described at far greater length than needed." # want: the description of param "what" of tool "count" is about 15 tokens
  }
  sql = "SELECT :what AS what"
  result {
    one = true
  }
}
