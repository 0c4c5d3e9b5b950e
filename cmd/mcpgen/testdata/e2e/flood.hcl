# Refused and unparsable requests, and calls with oversized arguments: an
# API key, an audit file, a tool that echoes text and one that denies long
# notes.
auth {
  api_key "full" {
    hash    = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f" # mcpk_test_full
    subject = "svc-full"
    scopes  = ["mcp"]
  }
}

audit {
  sink  = "file"
  path  = env("AUDIT_PATH")
  fsync = "always"
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:flood?mode=memory&cache=shared"
}

tool "echo" {
  description = "Answers the text it is given."
  source      = source.sql.mem
  guard       = "true"
  param "text" {
    type        = "string"
    description = "Any text."
  }
  sql = "SELECT :text AS text"
  result { one = true }
}

tool "short_note" {
  description = "Keeps a short note."
  source      = source.sql.mem
  # Visible to the key (the guard can hold for some arguments), so a long
  # note is denied by the guard rather than answered as an unknown tool.
  guard = "size(args.text) <= 100"
  param "text" {
    type        = "string"
    description = "The note."
  }
  sql = "SELECT :text AS text"
  result { one = true }
}
