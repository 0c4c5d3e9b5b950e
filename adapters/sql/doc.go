// Package sql is the adapter for `source "sql"`: SQLite (modernc.org/sqlite,
// no cgo), PostgreSQL (pgx through database/sql) and MySQL/MariaDB
// (go-sql-driver/mysql, mysql.go), behind sqlx.
//
// It registers itself as "sql" from init; cmd imports it for that effect.
//
// # Parameters
//
// A tool's statement uses :name parameters. A small scanner (scan.go)
// finds them outside string literals, quoted identifiers, comments,
// PostgreSQL dollar quotes and :: casts, and rewrites them to numbered
// placeholders (?N for SQLite, $N for PostgreSQL); a name used twice keeps
// its number. MySQL's placeholder is a bare ?, one per use; its scanner
// also knows backticks, backslash escapes in '...' and "..." strings, and
// # and "-- " comments. Arguments are always bound by the driver. The scanner also
// rejects a second statement and placeholders in the driver's own syntax,
// which would break the numbering.
//
// # Read-only tools
//
// SQLite, file database: two pools. Read-only tools run on a pool whose
// connections have query_only set by the driver when it opens them (the
// _query_only DSN key, applied after every other pragma) and an authorizer
// that refuses anything that writes, or turns query_only off, when a
// statement is prepared. Because Open prepares every statement, a
// read-only tool whose statement writes is a load error, not a surprise at
// its first call. No transaction per call: a single statement is atomic,
// and WAL lets these readers run beside the writer. Write tools run on a
// pool of exactly one connection, in a BEGIN IMMEDIATE transaction that
// commits when the statement succeeds: SQLite has one writer at a time, and
// queueing in the pool is cheaper than retrying on SQLITE_BUSY. Unless the
// DSN says otherwise the adapter adds busy_timeout(5000), journal_mode(WAL)
// and _txlock=immediate; what the user wrote wins, except _query_only on
// the read pool.
//
// SQLite, in-memory database (":memory:", mode=memory, vfs=memdb, an empty
// name): every connection would see a different database, so there is one
// connection, which the source holds from Open to Close. Each call takes
// its turn on it, sets PRAGMA query_only for what the tool is, and switches
// the authorizer the same way (it reads a flag only the call whose turn it
// is sets). Read-only tools keep their statements prepared on it. Calls are
// serialised; this is for demos and tests.
//
// PostgreSQL: one pool. Read-only tools run in BEGIN READ ONLY
// transactions, write tools in read-write transactions that commit when
// the statement succeeds. A read-only tool that writes fails at its call
// (PostgreSQL cannot tell at prepare time).
//
// MySQL/MariaDB: two pools. Read-only tools run on a pool whose sessions
// are SET SESSION TRANSACTION READ ONLY when opened, each call in a
// START TRANSACTION READ ONLY; and their statement must start with
// SELECT, WITH, VALUES, TABLE, SHOW, DESCRIBE or EXPLAIN, checked at
// decode, because MySQL runs DDL after an implicit commit, outside the
// transaction (the READ ONLY session refuses it too). MariaDB refuses at
// prepare, so at Open, a query calling a function that modifies data, and
// SELECT ... FOR UPDATE. A call whose context ends has its statement
// killed on the server (KILL QUERY by connection id): the driver only
// drops its connection.
//
// # Open and validate
//
// Open prepares every statement (SQLite: without running it, through the
// driver's ColumnInfo; PostgreSQL: as an unnamed statement) and learns its
// columns. A bad statement is an error at the tool's sql attribute, at the
// offending token when the driver names or locates it. The columns make
// OutputSchema exact and let Open reject duplicate column names and
// one = true on a statement that returns no rows. SQLite statements are
// also kept prepared for calls, which halves the cost of a lookup.
//
// The seed runs in one transaction, only when the database has no tables
// or views of its own (SQLite: sqlite_master; PostgreSQL: the current
// schema), with the check in the same transaction; on PostgreSQL under an
// advisory lock, so that replicas starting together seed once.
//
// With OpenOptions.Check (mcpgen validate) nothing is written: a missing
// SQLite file is not created (statements are checked against an in-memory
// database opened with the DSN's options and the seed applied, or not at
// all, with a warning, when there is no seed); an existing one is opened
// with query_only. An empty database with a seed is checked against the
// seed: for SQLite in memory, for PostgreSQL inside a transaction that is
// rolled back. A DSN serve could not open is an error: a SQLite file whose
// directory is missing, a mode (ro, rw) that cannot create it, an option
// the driver refuses, a PostgreSQL database that does not exist or refuses
// the credentials, and a PostgreSQL that does not answer (validate
// --offline does not connect at all).
//
// Serving a SQLite file that does not exist yet first runs that same
// check (statements against an empty or seeded database in memory), so a
// mistyped DSN fails before it creates an empty file.
//
// # Results
//
// Values keep their types: integers are int64 (exact beyond 2^53), floats
// float64 (NaN and infinities become the strings "NaN", "Infinity",
// "-Infinity"), text stays a string even when it looks like JSON, times are
// RFC 3339 with their offset (SQLite columns declared DATE, DATETIME or
// TIMESTAMP holding a recognised time text come back from the driver as
// times), bytes are base64, NULL is null. SQLite columns declared BOOLEAN
// holding 0 or 1 become false and true. PostgreSQL numeric becomes an exact
// json.Number (NaN and Infinity stay strings), json and jsonb become the
// JSON value (numbers as json.Number), date is YYYY-MM-DD, and every other
// type (uuid, arrays, intervals, ranges...) is its PostgreSQL text form.
//
// With one = true a missing row is a ToolError (not_found or "No matching
// row."); more than one row is a misconfiguration: an ordinary error,
// logged by the runtime, and a write is rolled back. Without one, at most
// max_rows rows are returned and one more is read to set truncated. A
// statement without result columns returns {"rows_affected": n}.
//
// # Secrets
//
// The DSN never appears in a log line or a message: driver errors pass
// through a scrubber that removes the DSN, its password, and credentials
// in URL or key=value form.
package sql
