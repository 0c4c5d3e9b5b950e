package initdb

// Example is what mcpgen init writes without --from-db: one SQLite table,
// in memory and seeded, served by one tool, with comments pointing at the
// rest of the language. It serves as it is.
const Example = `# A minimal mcpgen configuration: one SQLite table served by one tool.
# Serve it with:   mcpgen serve --stdio mcpgen.hcl
# Check it with:   mcpgen validate mcpgen.hcl && mcpgen lint mcpgen.hcl
# Start from your own database instead with: mcpgen init --from-db DSN
# The language: docs/language.md.

server {
  name    = "example"
  version = "0.1.0"
}

# An in-memory database, created and seeded when the server starts. Point
# dsn at a file (dsn = "file:notes.db") to keep the data, or at PostgreSQL
# (driver = "postgres", dsn = env("DATABASE_URL")): never write a password
# here.
source "sql" "notes" {
  driver = "sqlite"
  dsn    = "file:example?mode=memory"
  seed   = <<-SQL
    CREATE TABLE notes (
      id    INTEGER PRIMARY KEY,
      title TEXT NOT NULL,
      body  TEXT NOT NULL
    );
    INSERT INTO notes (title, body) VALUES
      ('Welcome', 'This note comes from the seed of mcpgen.hcl.'),
      ('Next', 'Declare a tool per question your users ask.');
  SQL
}

# A read-only tool: the model sees its description and params, the server
# checks the arguments, binds them (never splices them into the SQL) and
# runs the statement on a read-only connection. Without an auth block every
# caller may call it; add one (docs/language.md, "auth") and a guard before
# serving it beyond your machine.
tool "list_notes" {
  description = <<-EOT
    List the notes whose title contains a word, newest first. Returns id,
    title and body of at most 20 notes.
  EOT
  source      = source.sql.notes

  param "title" {
    type        = "string"
    required    = false
    max_length  = 100
    description = "Only notes whose title contains this text, e.g. \"Welcome\". Omit for all notes."
  }

  sql = <<-SQL
    SELECT id, title, body
      FROM notes
     WHERE CAST(:title AS TEXT) IS NULL OR title LIKE '%' || CAST(:title AS TEXT) || '%'
     ORDER BY id DESC
  SQL
  result {
    max_rows = 20
  }
}
`
