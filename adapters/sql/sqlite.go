package sql

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDSN is a SQLite DSN taken apart just enough to add our parameters
// to it and to know whether it names a file.
type sqliteDSN struct {
	base   string     // before '?'
	query  string     // after '?', as written
	values url.Values // query, parsed
	path   string     // the file, for existence checks; "" for memory
	memory bool       // each connection would get its own database
	uri    bool       // a file: URI, whose query SQLite reads too
}

func parseSQLiteDSN(dsn string) sqliteDSN {
	d := sqliteDSN{base: dsn}
	// The driver takes the query from the first '?' past the first byte.
	if i := strings.IndexByte(dsn, '?'); i >= 1 {
		d.base, d.query = dsn[:i], dsn[i+1:]
	}
	d.values, _ = url.ParseQuery(d.query) // DecodeSource rejected bad ones

	name := d.base
	if rest, ok := strings.CutPrefix(name, "file:"); ok {
		d.uri = true
		name, _, _ = strings.Cut(rest, "#")
		if after, ok := strings.CutPrefix(name, "//"); ok {
			// file://host/path: SQLite accepts an empty host or localhost.
			if i := strings.IndexByte(after, '/'); i >= 0 {
				name = after[i:]
			} else {
				name = ""
			}
		}
		if u, err := url.PathUnescape(name); err == nil {
			name = u
		}
		if d.values.Get("mode") == "memory" {
			d.memory = true
		}
	}
	if name == "" || name == ":memory:" || d.values.Get("vfs") == "memdb" {
		d.memory = true
	}
	if !d.memory {
		d.path = name
	}
	return d
}

// has reports whether the user set a driver key or a _pragma for name.
func (d sqliteDSN) has(pragma string, keys ...string) bool {
	for _, k := range keys {
		if _, ok := d.values[k]; ok {
			return true
		}
	}
	for _, v := range d.values["_pragma"] {
		if pragma != "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), pragma) {
			return true
		}
	}
	return false
}

// variant returns the DSN without the user's pairs for the keys in drop and
// with add appended. The user's other pairs are kept byte for byte: in a
// file: URI SQLite reads them itself.
func (d sqliteDSN) variant(drop []string, add ...string) string {
	var parts []string
	if d.query != "" {
		for _, p := range strings.Split(d.query, "&") {
			k, _, _ := strings.Cut(p, "=")
			if uk, err := url.QueryUnescape(k); err == nil && slices.Contains(drop, uk) {
				continue
			}
			parts = append(parts, p)
		}
	}
	parts = append(parts, add...)
	if len(parts) == 0 {
		return d.base
	}
	return d.base + "?" + strings.Join(parts, "&")
}

// scratchDSN is an in-memory database, private to one connection, opened
// with the DSN's options: the driver's keys (_pragma, _txlock..., vfs)
// and, for a file: URI, SQLite's own but mode and cache. A plain file name
// loses SQLite's keys in the driver, so they are left out for it too.
func (d sqliteDSN) scratchDSN(source string) string {
	var parts []string
	if d.query != "" {
		for _, p := range strings.Split(d.query, "&") {
			k, _, _ := strings.Cut(p, "=")
			k, err := url.QueryUnescape(k)
			switch {
			case err != nil, k == "mode", k == "cache":
			case d.uri, strings.HasPrefix(k, "_"), k == "vfs":
				parts = append(parts, p)
			}
		}
	}
	return "file:mcpgen-check-" + url.PathEscape(source) + "?" + strings.Join(append([]string{"mode=memory"}, parts...), "&")
}

// The defaults we add unless the DSN says otherwise: wait for a lock
// rather than fail at once (SQLite's default is to fail), and WAL, so that
// readers and the writer do not block each other.
func (d sqliteDSN) busyTimeout() []string {
	if d.has("busy_timeout", "_busy_timeout", "_timeout") {
		return nil
	}
	return []string{"_pragma=busy_timeout(5000)"}
}

// writeDSN is for the pool of one connection that runs write tools and the
// seed. BEGIN IMMEDIATE takes the write lock up front, so that a write
// transaction never fails half way when another process holds the lock.
func (d sqliteDSN) writeDSN() string {
	add := d.busyTimeout()
	if !d.has("journal_mode", "_journal_mode", "_journal") {
		add = append(add, "_pragma=journal_mode(WAL)")
	}
	if !d.has("", "_txlock") {
		add = append(add, "_txlock=immediate")
	}
	return d.variant(nil, add...)
}

// readDSN is for connections that cannot write: the driver sets
// query_only last, after every other pragma, and overrides the user's.
func (d sqliteDSN) readDSN() string {
	return d.variant([]string{"_query_only"}, append(d.busyTimeout(), "_query_only=1")...)
}

// sqliteConnector opens modernc connections and installs an authorizer on
// each. The authorizer refuses, when a statement is prepared, anything that
// would write: a read-only tool whose statement writes fails at Open with a
// clear message, not at its first call.
type sqliteConnector struct {
	base   driver.Connector
	policy sqlite.AuthorizerFn // nil: none
}

func (c *sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil || c.policy == nil {
		return conn, err
	}
	r, ok := conn.(sqlite.AuthorizerRegisterer)
	if !ok {
		conn.Close()
		return nil, errors.New("the SQLite driver does not support an authorizer")
	}
	if err := r.RegisterAuthorizer(c.policy); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (c *sqliteConnector) Driver() driver.Driver { return c.base.Driver() }

func openSQLite(dsn string, policy sqlite.AuthorizerFn) (*sqlx.DB, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(stdsql.OpenDB(&sqliteConnector{base: base, policy: policy}), "sqlite"), nil
}

// Pragmas that only read, even with an argument (PRAGMA table_info(t)).
var readPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true,
	"index_list": true, "index_info": true, "index_xinfo": true,
	"foreign_key_list": true, "foreign_key_check": true,
	"integrity_check": true, "quick_check": true,
}

// readOnlyPolicy is the authorizer of connections that run read-only tools.
// active, when set, says whether it applies right now: the in-memory
// database has a single connection shared by read and write tools.
func readOnlyPolicy(active func() bool) sqlite.AuthorizerFn {
	return func(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
		if active != nil && !active() {
			return sqlite.AuthorizerOK
		}
		switch action {
		case sqlite.AuthInsert, sqlite.AuthUpdate, sqlite.AuthDelete,
			sqlite.AuthCreateIndex, sqlite.AuthCreateTable, sqlite.AuthCreateTrigger, sqlite.AuthCreateView,
			sqlite.AuthCreateTempIndex, sqlite.AuthCreateTempTable, sqlite.AuthCreateTempTrigger, sqlite.AuthCreateTempView,
			sqlite.AuthDropIndex, sqlite.AuthDropTable, sqlite.AuthDropTrigger, sqlite.AuthDropView,
			sqlite.AuthDropTempIndex, sqlite.AuthDropTempTable, sqlite.AuthDropTempTrigger, sqlite.AuthDropTempView,
			sqlite.AuthAlterTable, sqlite.AuthReindex, sqlite.AuthAnalyze,
			sqlite.AuthCreateVTable, sqlite.AuthDropVTable, sqlite.AuthAttach, sqlite.AuthDetach:
			return sqlite.AuthorizerDeny
		case sqlite.AuthPragma:
			name := strings.ToLower(arg1)
			if arg2 == "" || readPragmas[name] {
				return sqlite.AuthorizerOK
			}
			// Turning query_only on is how a read begins on the in-memory
			// database; turning it off, or any other setting, is refused.
			if name == "query_only" && isTrue(arg2) {
				return sqlite.AuthorizerOK
			}
			return sqlite.AuthorizerDeny
		}
		return sqlite.AuthorizerOK
	}
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

// sqliteColumns prepares query without running it and returns its column
// names (nil when it returns no rows).
func sqliteColumns(ctx context.Context, db *sqlx.DB, query string) ([]string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var cols []string
	err = conn.Raw(func(dc any) error {
		ci, ok := dc.(interface {
			ColumnInfo(string) ([]sqlite.ColumnInfo, error)
		})
		if !ok {
			return errors.New("the SQLite driver cannot describe statements")
		}
		info, err := ci.ColumnInfo(query)
		for _, c := range info {
			cols = append(cols, c.Name)
		}
		return err
	})
	return cols, err
}

// isAuthError reports whether err is the authorizer refusing a statement.
func isAuthError(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_AUTH
}

// sqliteUserTables counts the tables and views the database has of its own.
const sqliteUserTables = `SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
