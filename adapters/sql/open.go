package sql

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/jmoiron/sqlx"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// Open connects the source, applies the seed to an empty database and
// describes every tool's statement against the database, reporting a bad
// one at the tool's sql attribute.
func (s *Source) Open(ctx context.Context, opts adapter.OpenOptions) hcl.Diagnostics {
	s.mu.Lock()
	tools := slices.Clone(s.tools)
	s.mu.Unlock()
	log := opts.Log.With().Str("source", "sql."+s.name).Logger()
	if s.db != nil {
		return hcl.Diagnostics{s.diag(hcl.DiagError, s.declRange, "Source opened twice", "This is a bug in mcpgen.")}
	}
	switch s.dialect {
	case dialectPostgres:
		return s.openPostgres(ctx, opts, tools, log)
	case dialectMySQL:
		return s.openMySQL(ctx, opts, tools, log)
	}
	return s.openSQLite(ctx, opts, tools, log)
}

func (s *Source) openSQLite(ctx context.Context, opts adapter.OpenOptions, tools []*Tool, log zerolog.Logger) hcl.Diagnostics {
	d := parseSQLiteDSN(s.dsn)
	s.scrub = newScrubber(s.dsn, d.path)
	switch {
	case d.memory:
		return s.openMemory(ctx, s.dsn, tools, log)
	case opts.Check:
		return s.checkSQLiteFile(ctx, d, tools, log)
	}
	if _, err := os.Stat(d.path); missing(err) {
		// Opening creates the file: first make sure serving it would
		// work, so that a mistyped dsn leaves no empty database behind.
		diags := s.checkMissingFile(ctx, d, tools, zerolog.Nop(), true)
		s.closeScratch()
		if diags.HasErrors() {
			return diags
		}
	}

	// Writes go through one connection: SQLite has one writer at a time
	// anyway, and queueing in the pool beats spinning on SQLITE_BUSY.
	db, err := openSQLite(d.writeDSN(), nil)
	if err == nil {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		s.setLifetimes(db, 0, 0)
		err = db.PingContext(ctx)
	}
	if err != nil {
		closeDB(db)
		return s.connError(err)
	}
	s.db = db
	if s.seed != "" {
		if diags := s.applySeed(ctx, db, sqliteUserTables, log); diags.HasErrors() {
			return diags
		}
	}

	// Read-only tools run on their own pool, whose connections have
	// query_only set and an authorizer that refuses writes: no transaction
	// per call, and readers run in parallel under WAL.
	ro, err := openSQLite(d.readDSN(), readOnlyPolicy(nil))
	if err == nil {
		s.setPool(ro, defaultMaxOpenConns)
		s.setLifetimes(ro, 0, 0)
		err = ro.PingContext(ctx)
	}
	if err != nil {
		closeDB(ro)
		return s.connError(err)
	}
	s.ro = ro
	return s.describeSQLite(ctx, tools, true)
}

// openMemory opens an in-memory database (or, for validate, a scratch one
// to check statements against the seed). Every connection to ":memory:"
// would be a different database, so there is exactly one connection, kept
// for the life of the source; read-only tools turn query_only on for their
// call and the authorizer follows the same switch.
func (s *Source) openMemory(ctx context.Context, dsn string, tools []*Tool, log zerolog.Logger) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if s.pool.maxOpen != nil && *s.pool.maxOpen > 1 {
		diags = append(diags, s.diag(hcl.DiagWarning, s.dsnRange, "Pool size ignored",
			"An in-memory SQLite database lives in a single connection; max_open_conns has no effect."))
	}
	diags = append(diags, s.openScratch(ctx, dsn, tools, log)...)
	if s.db == nil {
		return diags
	}
	return append(diags, s.holdMemory(ctx, tools)...)
}

// holdMemory takes the in-memory database's one connection for the life
// of the source and prepares the read-only tools' statements on it: a
// statement prepared on the pool could not run while a call holds the
// connection. Each is prepared under the read-only authorizer, as at its
// calls; SQLite prepares again, under the same authorizer, a statement
// that a change of schema made stale.
func (s *Source) holdMemory(ctx context.Context, tools []*Tool) hcl.Diagnostics {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.connError(err)
	}
	s.memConn, s.memTurn = conn, make(chan struct{}, 1)
	if !prepareSQLite {
		return nil
	}
	var diags hcl.Diagnostics
	for _, t := range tools {
		if !t.readOnly || !t.described { // a write, or a statement Open refused
			continue
		}
		s.memRO.Store(true)
		t.prepared, err = conn.PrepareContext(ctx, t.stmt.query)
		s.memRO.Store(false)
		if err != nil {
			diags = append(diags, s.diag(hcl.DiagError, t.sqlRange, "Invalid SQL statement",
				"SQLite: "+s.scrub.text(err.Error())+"."))
		}
	}
	return diags
}

// openScratch opens an in-memory database on one connection, seeds it and
// describes the statements against it.
func (s *Source) openScratch(ctx context.Context, dsn string, tools []*Tool, log zerolog.Logger) hcl.Diagnostics {
	var diags hcl.Diagnostics
	db, err := openSQLite(dsn, readOnlyPolicy(s.memRO.Load))
	if err == nil {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		err = db.PingContext(ctx)
	}
	if err != nil {
		closeDB(db)
		return append(diags, s.connError(err)...)
	}
	s.db, s.memory = db, true
	if s.seed != "" {
		diags = append(diags, s.applySeed(ctx, db, sqliteUserTables, log)...)
		if diags.HasErrors() {
			return diags
		}
	}
	return append(diags, s.describeSQLite(ctx, tools, false)...)
}

// missing reports whether a stat error says the file does not exist: no
// such file, or a part of its path that is a file, not a directory.
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// closeScratch closes the database checkMissingFile opened.
func (s *Source) closeScratch() {
	closeDB(s.db)
	s.db, s.memory = nil, false
}

// checkMissingFile checks what serve would do with a database file that
// does not exist yet, without creating it: the directory must exist, the
// dsn's mode must let SQLite create the file, and its options must work.
// The statements are then described against a scratch database in memory
// opened with the dsn's options and seeded as the file would be. Without
// a seed, validate (serve false) only warns, since the file may be created
// before serve runs; serve, which is about to create it empty, checks the
// statements against an empty database.
func (s *Source) checkMissingFile(ctx context.Context, d sqliteDSN, tools []*Tool, log zerolog.Logger, serve bool) hcl.Diagnostics {
	dir := filepath.Dir(d.path)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		why := "does not exist"
		if err == nil {
			why = "is not a directory"
		} else if !errors.Is(err, fs.ErrNotExist) {
			why = "cannot be read: " + s.scrub.text(err.Error())
		}
		return hcl.Diagnostics{s.diag(hcl.DiagError, s.dsnRange, "Cannot open the database",
			"The SQLite database file does not exist and the directory that would hold it "+why+", so SQLite cannot create it.")}
	}
	if mode := d.values.Get("mode"); d.uri && (mode == "ro" || mode == "rw") {
		return hcl.Diagnostics{s.diag(hcl.DiagError, s.dsnRange, "Cannot open the database",
			fmt.Sprintf("The SQLite database file does not exist, and mode=%s does not let SQLite create it.", mode))}
	}
	if s.seed == "" && !serve {
		if diags := s.openScratch(ctx, d.scratchDSN(s.name), nil, log); diags.HasErrors() {
			return diags
		}
		return hcl.Diagnostics{s.diag(hcl.DiagWarning, s.dsnRange, "Statements not checked",
			"The SQLite database file does not exist yet and the source has no seed, so the tools' statements were not checked.")}
	}
	return s.openScratch(ctx, d.scratchDSN(s.name), tools, log)
}

// checkSQLiteFile is Open for `mcpgen validate`: it must not create the
// database file nor change it.
func (s *Source) checkSQLiteFile(ctx context.Context, d sqliteDSN, tools []*Tool, log zerolog.Logger) hcl.Diagnostics {
	_, err := os.Stat(d.path)
	switch {
	case missing(err):
		return s.checkMissingFile(ctx, d, tools, log, false)
	case err != nil:
		return hcl.Diagnostics{s.diag(hcl.DiagError, s.dsnRange, "Cannot open the database",
			"The SQLite database file cannot be read: "+s.scrub.text(err.Error())+".")}
	}

	// query_only: nothing is written, not even by a stray statement.
	db, err := openSQLite(d.readDSN(), readOnlyPolicy(s.memRO.Load))
	var tables int
	if err == nil {
		db.SetMaxOpenConns(1)
		err = db.QueryRowContext(ctx, sqliteUserTables).Scan(&tables)
	}
	if err != nil {
		closeDB(db)
		return s.connError(err)
	}
	if tables == 0 && s.seed != "" {
		// serve would seed this database: check against the seed.
		closeDB(db)
		return s.openScratch(ctx, d.scratchDSN(s.name), tools, log)
	}
	s.db = db
	return s.describeSQLite(ctx, tools, false)
}

// describeSQLite prepares every statement on the pool it will run on.
// keep also prepares a statement for calls to reuse.
func (s *Source) describeSQLite(ctx context.Context, tools []*Tool, keep bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range tools {
		pool := t.pool()
		s.memRO.Store(t.readOnly)
		cols, err := sqliteColumns(ctx, pool, t.stmt.query)
		s.memRO.Store(false)
		if err != nil {
			if isAuthError(err) && t.readOnly {
				diags = append(diags, s.diag(hcl.DiagError, t.sqlRange, "Read-only tool writes",
					fmt.Sprintf("Tool %q is read-only (read_only defaults to true), but its statement writes to the database; set read_only = false if it is meant to write.", t.name)))
			} else {
				diags = append(diags, s.diag(hcl.DiagError, t.sqliteErrorRange(err), "Invalid SQL statement",
					"SQLite: "+s.scrub.text(err.Error())+"."))
			}
			continue
		}
		if d := t.setColumns(cols); d != nil {
			diags = append(diags, d)
			continue
		}
		if keep && prepareSQLite {
			t.prepared, err = pool.PrepareContext(ctx, t.stmt.query)
			if err != nil {
				diags = append(diags, s.diag(hcl.DiagError, t.sqlRange, "Invalid SQL statement",
					"SQLite: "+s.scrub.text(err.Error())+"."))
			}
		}
	}
	return diags
}

// prepareSQLite keeps a prepared statement per tool for calls: it nearly
// halves the cost of a primary-key lookup (BenchmarkCallByPrimaryKey:
// about 10 µs and 54 allocations against 17 µs and 68). A variable so that
// the benchmark can compare.
var prepareSQLite = true

// SQLite names the culprit without saying where it is; the first
// occurrence of that name in the statement is a good guess.
var sqliteCulprit = regexp.MustCompile(`no such (?:column|table|function): ([^\s]+)|near "([^"]+)": syntax error`)

func (t *Tool) sqliteErrorRange(err error) hcl.Range {
	m := sqliteCulprit.FindStringSubmatch(err.Error())
	if m == nil {
		return t.sqlRange
	}
	name := m[1] + m[2]
	for _, n := range []string{name, name[strings.LastIndexByte(name, '.')+1:]} {
		if off := indexWord(t.sql, n); off >= 0 {
			return t.text.RangeOf(off, off+len(n))
		}
	}
	return t.sqlRange
}

// indexWord finds word in s where it is not part of a longer identifier.
func indexWord(s, word string) int {
	for from := 0; word != ""; {
		i := strings.Index(s[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(word)
		if (i == 0 || !isIdentChar(s[i-1])) && (end == len(s) || !isIdentChar(s[end])) {
			return i
		}
		from = i + 1
	}
	return -1
}

// pool is the pool a tool's calls run on.
func (t *Tool) pool() *sqlx.DB {
	if t.readOnly && t.src.ro != nil {
		return t.src.ro
	}
	return t.src.db
}

// setColumns records what Open learnt about the statement and checks it
// against the result block.
func (t *Tool) setColumns(cols []string) *hcl.Diagnostic {
	if len(cols) == 0 {
		cols = nil
	}
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if seen[c] {
			return t.src.diag(hcl.DiagError, t.sqlRange, "Duplicate column name",
				fmt.Sprintf("The statement returns two columns named %q; a result row is an object, so give one of them another name with AS.", c))
		}
		seen[c] = true
	}
	if cols == nil && t.one {
		return t.src.diag(hcl.DiagError, t.sqlRange, "Statement returns no rows",
			"The result has one = true, but the statement returns no columns; add RETURNING or remove one = true.")
	}
	t.columns, t.described = cols, true
	return nil
}

// applySeed runs the seed in one transaction when the database has no
// tables of its own. The check and the seed share the transaction (and, on
// PostgreSQL, an advisory lock), so that two servers starting together
// seed once.
func (s *Source) applySeed(ctx context.Context, db *sqlx.DB, countTables string, log zerolog.Logger) hcl.Diagnostics {
	applied, err := s.seedOnce(ctx, db, countTables)
	if err != nil {
		return hcl.Diagnostics{s.diag(hcl.DiagError, s.seedRange, "Seed failed",
			"The seed was not applied: "+s.scrub.text(err.Error())+".")}
	}
	if applied {
		log.Info().Msg("database had no tables: applied the seed")
	}
	return nil
}

func (s *Source) seedOnce(ctx context.Context, db *sqlx.DB, countTables string) (bool, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if s.dialect == dialectPostgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", seedLockKey); err != nil {
			return false, err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, countTables).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, s.seed); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// PoolStats reports the source's pools: "main" (every tool on PostgreSQL,
// writes and the in-memory database on SQLite) and "read" (the query_only
// pool of a SQLite file).
func (s *Source) PoolStats() map[string]stdsql.DBStats {
	out := map[string]stdsql.DBStats{}
	if s.db != nil {
		out["main"] = s.db.Stats()
	}
	if s.ro != nil {
		out["read"] = s.ro.Stats()
	}
	return out
}

// Ping reports whether the database answers.
func (s *Source) Ping(ctx context.Context) error {
	if s.db == nil {
		return errors.New("sql source " + s.name + " is not open")
	}
	if s.memConn != nil {
		// The pool's one connection is held: ask it when it is free. A
		// call using it shows that the database answers; waiting behind
		// a long call would only make /readyz fail while the database
		// is at work.
		select {
		case s.memTurn <- struct{}{}:
		default:
			return nil
		}
		defer func() { <-s.memTurn }()
		if err := s.memConn.PingContext(ctx); err != nil {
			return fmt.Errorf("sql source %s: %w", s.name, s.scrub.err(err))
		}
		return nil
	}
	for _, db := range []*sqlx.DB{s.db, s.ro} {
		if db == nil {
			continue
		}
		if err := db.PingContext(ctx); err != nil {
			return fmt.Errorf("sql source %s: %w", s.name, s.scrub.err(err))
		}
	}
	return nil
}

// Close closes the pools. Calls in flight have finished.
func (s *Source) Close() error {
	var errs []error
	s.mu.Lock()
	for _, t := range s.tools {
		if t.prepared != nil {
			errs = append(errs, t.prepared.Close())
			t.prepared = nil
		}
	}
	s.mu.Unlock()
	if s.memConn != nil {
		errs = append(errs, s.memConn.Close())
		s.memConn = nil
	}
	for _, db := range []*sqlx.DB{s.ro, s.db} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	s.ro, s.db = nil, nil
	return s.scrub.err(errors.Join(errs...))
}

func (s *Source) setPool(db *sqlx.DB, maxOpen int) {
	if s.pool.maxOpen != nil {
		maxOpen = *s.pool.maxOpen
	}
	maxIdle := maxOpen
	if s.pool.maxIdle != nil {
		maxIdle = *s.pool.maxIdle
	}
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(maxIdle)
}

func (s *Source) setLifetimes(db *sqlx.DB, lifetime, idle time.Duration) {
	if s.pool.lifetime != nil {
		lifetime = *s.pool.lifetime
	}
	if s.pool.idleTime != nil {
		idle = *s.pool.idleTime
	}
	db.SetConnMaxLifetime(lifetime)
	db.SetConnMaxIdleTime(idle)
}

func (s *Source) connError(err error) hcl.Diagnostics {
	return hcl.Diagnostics{s.diag(hcl.DiagError, s.dsnRange, "Cannot open the database",
		fmt.Sprintf("%s: %s.", s.dialect.title(), s.scrub.text(err.Error())))}
}

func (s *Source) diag(sev hcl.DiagnosticSeverity, r hcl.Range, summary, detail string) *hcl.Diagnostic {
	if r == (hcl.Range{}) {
		r = s.declRange
	}
	return &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: &r}
}

func (d dialect) title() string {
	switch d {
	case dialectPostgres:
		return "PostgreSQL"
	case dialectMySQL:
		return "MySQL"
	}
	return "SQLite"
}

func closeDB(db *sqlx.DB) {
	if db != nil {
		db.Close()
	}
}
