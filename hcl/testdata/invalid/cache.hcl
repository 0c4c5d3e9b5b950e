source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "writes" {
  description = "A tool that writes cannot cache."
  source      = source.sql.db
  read_only   = false
  sql         = "UPDATE t SET n = n + 1"
  cache { # want: Only read-only tools can cache
    ttl = "30s"
  }
}

tool "bad_cache" {
  description = "Cache settings that make no sense."
  source      = source.sql.db
  sql         = "SELECT 1"
  cache {
    ttl         = "0s" # want: ttl must be greater than zero
    max_entries = 0 # want: max_entries must be at least 1
    shared      = "yes" # want: shared must be a bool
  }
  cache { # want: A cache block is already declared # want: The argument "ttl" is required
    max_entries = 5
  }
}

tool "fixed" {
  description = "Fixed content."
  content "text" {
    text = "always the same"
  }
  cache { # want: Blocks of type "cache" are not expected here
    ttl = "1m"
  }
}
