package sql

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/hashicorp/hcl/v2"
	"github.com/jmoiron/sqlx"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// MySQL and MariaDB through github.com/go-sql-driver/mysql. Read-only
// tools run on a pool whose sessions are READ ONLY (which also refuses
// DDL, which MySQL would otherwise run after an implicit commit), each
// call in a START TRANSACTION READ ONLY; a read-only tool's statement must
// also start with a reading keyword, checked when the file is decoded.

// mysqlConnectTimeout bounds a new connection when the DSN sets none.
const mysqlConnectTimeout = 15 * time.Second

// mysqlUserTables counts the tables and views of the DSN's database.
const mysqlUserTables = `SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()`

// parseMySQLDSN reads the driver's DSN (user:pass@tcp(host:3306)/db?k=v) or
// a URL (mysql://user:pass@host:3306/db?k=v), and sets what the adapter
// relies on: times parsed as UTC on a session in UTC, one statement per
// call, and a connect timeout.
func parseMySQLDSN(dsn string) (*mysql.Config, error) {
	var (
		c   *mysql.Config
		err error
	)
	if rest, ok := strings.CutPrefix(dsn, "mysql://"); ok {
		c, err = mysqlURLConfig(rest)
	} else {
		c, err = mysql.ParseDSN(dsn)
	}
	if err != nil {
		return nil, err
	}
	if c.DBName == "" {
		return nil, errors.New("the dsn names no database (…/dbname)")
	}
	c.ParseTime = true
	c.Loc = time.UTC
	c.MultiStatements = false
	c.InterpolateParams = false
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	c.Params["time_zone"] = "'+00:00'"
	if c.Timeout == 0 {
		c.Timeout = mysqlConnectTimeout
	}
	c.Logger = &mysql.NopLogger{} // errors reach the caller; its log may hold the address
	return c, nil
}

// mysqlURLConfig reads the part of a mysql:// URL after the scheme.
func mysqlURLConfig(rest string) (*mysql.Config, error) {
	u, err := url.Parse("mysql://" + rest)
	if err != nil {
		return nil, errors.New("the dsn is not a valid mysql:// URL")
	}
	// The query takes the driver's DSN parameters.
	c, err := mysql.ParseDSN("/?" + u.RawQuery)
	if err != nil {
		return nil, err
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Passwd, _ = u.User.Password()
	}
	host := u.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if u.Port() == "" {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "3306")
	}
	c.Net, c.Addr = "tcp", host
	c.DBName = strings.TrimPrefix(u.Path, "/")
	if strings.Contains(c.DBName, "/") {
		return nil, errors.New("the dsn's path must be one database name")
	}
	return c, nil
}

// mysqlDSNProblem says what is wrong with a DSN without repeating it.
func mysqlDSNProblem(err error) string {
	return "The dsn is neither a go-sql-driver/mysql DSN (user:password@tcp(host:3306)/dbname) nor a mysql:// URL: " +
		strings.TrimSuffix(err.Error(), ".")
}

// mysqlConnector opens connections that know their server-side id (to
// kill a statement whose call was cancelled) and, for the read-only pool,
// have their session set READ ONLY before the pool hands them out.
type mysqlConnector struct {
	base     driver.Connector
	readOnly bool
}

// mysqlDriverConn is what go-sql-driver's connections implement; the
// wrapper keeps all of it visible to database/sql.
type mysqlDriverConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

type mysqlConn struct {
	mysqlDriverConn
	id int64 // CONNECTION_ID()
}

func (c *mysqlConnector) Driver() driver.Driver { return c.base.Driver() }

func (c *mysqlConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	mc, ok := dc.(mysqlDriverConn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("unexpected MySQL driver connection %T", dc)
	}
	conn := &mysqlConn{mysqlDriverConn: mc}
	if err := conn.setUp(ctx, c.readOnly); err != nil {
		mc.Close()
		return nil, err
	}
	return conn, nil
}

func (c *mysqlConn) setUp(ctx context.Context, readOnly bool) error {
	rows, err := c.QueryContext(ctx, "SELECT CONNECTION_ID()", nil)
	if err != nil {
		return err
	}
	dest := make([]driver.Value, 1)
	err = rows.Next(dest)
	rows.Close()
	if err != nil {
		return fmt.Errorf("reading the connection id: %w", err)
	}
	switch v := dest[0].(type) {
	case int64:
		c.id = v
	case uint64:
		c.id = int64(v)
	default:
		return fmt.Errorf("unexpected connection id %T", v)
	}
	if readOnly {
		// Every later transaction of the session is read-only, and so is
		// every statement outside one: DDL included.
		if _, err := c.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY", nil); err != nil {
			return err
		}
	}
	return nil
}

func (s *Source) newMySQLPool(c *mysql.Config, readOnly bool) (*sqlx.DB, error) {
	base, err := mysql.NewConnector(c)
	if err != nil {
		return nil, err
	}
	db := sqlx.NewDb(stdsql.OpenDB(&mysqlConnector{base: base, readOnly: readOnly}), "mysql")
	s.setPool(db, defaultMaxOpenConns)
	s.setLifetimes(db, defaultPGConnMaxLifetime, defaultPGConnMaxIdleTime)
	return db, nil
}

func (s *Source) openMySQL(ctx context.Context, opts adapter.OpenOptions, tools []*Tool, log zerolog.Logger) hcl.Diagnostics {
	s.scrub = newScrubber(s.dsn)
	c, err := parseMySQLDSN(s.dsn)
	if err != nil {
		return hcl.Diagnostics{s.diag(hcl.DiagError, s.dsnRange, "Invalid MySQL dsn", s.scrub.text(mysqlDSNProblem(err))+".")}
	}
	s.scrub = newScrubber(s.dsn, c.Passwd)

	db, err := s.newMySQLPool(c, false)
	if err != nil {
		return s.connError(err)
	}
	pctx, cancel := context.WithTimeout(ctx, c.Timeout+time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		var me *mysql.MySQLError
		if opts.Check && !errors.As(err, &me) {
			return hcl.Diagnostics{s.diag(hcl.DiagError, s.dsnRange, "Cannot open the database",
				"MySQL is unreachable, so the tools' statements cannot be checked: "+s.scrub.text(err.Error())+". Use validate --offline to check the files without connecting.")}
		}
		return s.connError(err)
	}
	s.db = db
	ro, err := s.newMySQLPool(c, true)
	if err == nil {
		err = ro.PingContext(pctx)
	}
	if err != nil {
		closeDB(ro)
		return s.connError(err)
	}
	s.ro = ro

	if s.seed != "" {
		var n int
		if err := db.QueryRowContext(ctx, mysqlUserTables).Scan(&n); err != nil {
			return s.connError(err)
		}
		if n == 0 && opts.Check {
			// MySQL commits DDL as it runs it: validate cannot try the
			// seed and take it back.
			return hcl.Diagnostics{s.diag(hcl.DiagWarning, s.seedRange, "Statements not checked",
				"The MySQL database has no tables yet and a seed would create them, which validate does not do (MySQL cannot roll DDL back), so the tools' statements were not checked.")}
		}
		if n == 0 {
			if diags := s.applyMySQLSeed(ctx, c, log); diags.HasErrors() {
				return diags
			}
		}
	}
	return s.describeMySQL(ctx, tools)
}

// applyMySQLSeed runs the seed, whose statements go in one call, on a
// connection of its own that allows several statements. MySQL commits
// DDL as it runs, so a seed cannot be one transaction: when it fails, the
// tables and views it created are dropped, leaving the database as empty
// as it found it. A lock named after the database keeps two servers
// starting together from seeding twice.
func (s *Source) applyMySQLSeed(ctx context.Context, c *mysql.Config, log zerolog.Logger) hcl.Diagnostics {
	fail := func(err error) hcl.Diagnostics {
		return hcl.Diagnostics{s.diag(hcl.DiagError, s.seedRange, "Seed failed",
			"The seed was not applied: "+s.scrub.text(err.Error())+".")}
	}
	mc := c.Clone()
	mc.MultiStatements = true
	base, err := mysql.NewConnector(mc)
	if err != nil {
		return fail(err)
	}
	db := stdsql.OpenDB(base)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	lock := "mcpgen_seed." + c.DBName
	if len(lock) > 64 {
		lock = lock[:64]
	}
	var got stdsql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", lock).Scan(&got); err != nil {
		return fail(err)
	}
	if got.Int64 != 1 {
		return fail(errors.New("another server held the seed lock for a minute"))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", lock)
	var n int
	if err := conn.QueryRowContext(ctx, mysqlUserTables).Scan(&n); err != nil {
		return fail(err)
	}
	if n > 0 {
		return nil
	}
	if _, err := conn.ExecContext(ctx, s.seed); err != nil {
		if uerr := dropAllMySQL(context.WithoutCancel(ctx), conn); uerr != nil {
			err = fmt.Errorf("%w; dropping what it created also failed: %w", err, uerr)
		}
		return fail(err)
	}
	log.Info().Msg("database had no tables: applied the seed")
	return nil
}

// dropAllMySQL drops every table and view of the connection's database.
func dropAllMySQL(ctx context.Context, conn *stdsql.Conn) error {
	rows, err := conn.QueryContext(ctx, `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = DATABASE()`)
	if err != nil {
		return err
	}
	var drops []string
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			rows.Close()
			return err
		}
		what := "TABLE"
		if kind == "VIEW" {
			what = "VIEW"
		}
		drops = append(drops, "DROP "+what+" IF EXISTS `"+strings.ReplaceAll(name, "`", "``")+"`")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 1")
	for _, d := range drops {
		if _, err := conn.ExecContext(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// mysqlReadLeads are the statements a read-only tool may run on MySQL.
var mysqlReadLeads = map[string]bool{
	"SELECT": true, "WITH": true, "VALUES": true, "TABLE": true, "(": true,
	"SHOW": true, "DESC": true, "DESCRIBE": true, "EXPLAIN": true,
}

// mysqlNoRows are statements that return no result set unless they have
// a RETURNING clause (MariaDB).
var mysqlNoRows = map[string]bool{
	"INSERT": true, "UPDATE": true, "DELETE": true, "REPLACE": true,
	"CREATE": true, "DROP": true, "ALTER": true, "TRUNCATE": true, "RENAME": true,
	"SET": true, "DO": true, "LOAD": true, "GRANT": true, "REVOKE": true,
}

// mysqlReadOnlyCheck refuses, when the file is decoded, a read-only tool
// whose statement is not a query: MySQL runs DDL after committing the
// transaction it is in, outside its READ ONLY, and a SET or a CALL could
// change the session or write.
func (t *Tool) mysqlReadOnlyCheck() *hcl.Diagnostic {
	if !t.readOnly || t.src.dialect != dialectMySQL || t.stmt.lead == "" || mysqlReadLeads[t.stmt.lead] {
		return nil
	}
	r := t.sqlRange
	if off := indexWord(strings.ToUpper(t.sql), t.stmt.lead); off >= 0 {
		r = t.text.RangeOf(off, off+len(t.stmt.lead))
	}
	return t.src.diag(hcl.DiagError, r, "Read-only tool writes",
		fmt.Sprintf("Tool %q is read-only (read_only defaults to true), but its statement starts with %s; on MySQL a read-only tool runs SELECT, WITH, VALUES, TABLE, SHOW, DESCRIBE or EXPLAIN. Set read_only = false if it is meant to write.", t.name, t.stmt.lead))
}

// describeMySQL prepares every statement on the pool it will run on: the
// server checks names and syntax then. The driver does not pass on the
// columns a prepared statement returns, and the only other way to learn
// them, wrapping the statement in a query for none of its rows, runs it
// on MariaDB when it materialises the derived table. So the columns of a
// query are learnt from its results at each call; only statements that
// return no rows (INSERT, UPDATE, DELETE... without RETURNING) are known
// from their first keyword, for rows_affected and one = true.
func (s *Source) describeMySQL(ctx context.Context, tools []*Tool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range tools {
		stmt, err := t.pool().PrepareContext(ctx, t.stmt.query)
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1792 && t.readOnly {
			// ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: MariaDB sees a
			// function that modifies data when it prepares the call.
			diags = append(diags, s.diag(hcl.DiagError, t.sqlRange, "Read-only tool writes",
				fmt.Sprintf("Tool %q is read-only (read_only defaults to true), but its statement writes to the database (MySQL: %s); set read_only = false if it is meant to write.", t.name, me.Message)))
			continue
		}
		if err != nil {
			diags = append(diags, t.mysqlError(err))
			continue
		}
		stmt.Close()
		if mysqlNoRows[t.stmt.lead] && !t.stmt.words["RETURNING"] {
			if d := t.setColumns(nil); d != nil {
				diags = append(diags, d)
			}
		}
	}
	return diags
}

// MySQL names the culprit ('x') in some errors, and quotes what follows
// the error in syntax errors (near '...').
var (
	mysqlCulprit = regexp.MustCompile(`^(?:Unknown column|Table|Unknown table|FUNCTION) '([^']+)'`)
	mysqlNear    = regexp.MustCompile(`near '((?s).*)' at line \d+$`)
)

// mysqlError points at the token the server complained about.
func (t *Tool) mysqlError(err error) *hcl.Diagnostic {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return t.src.diag(hcl.DiagError, t.sqlRange, "Invalid SQL statement", "MySQL: "+t.src.scrub.text(err.Error())+".")
	}
	detail := fmt.Sprintf("MySQL: %s (error %d).", me.Message, me.Number)
	r := t.sqlRange
	if m := mysqlCulprit.FindStringSubmatch(me.Message); m != nil {
		name := m[1]
		for _, n := range []string{name, name[strings.LastIndexByte(name, '.')+1:]} {
			if off := indexWord(t.sql, n); off >= 0 {
				r = t.text.RangeOf(off, off+len(n))
				break
			}
		}
	} else if m := mysqlNear.FindStringSubmatch(me.Message); m != nil {
		near, _, _ := strings.Cut(m[1], "\n")
		q := t.stmt.query
		if at := strings.Index(q, near); near != "" && at >= 0 {
			off := t.stmt.origOffset(at)
			r = t.text.RangeOf(off, wordEnd(t.sql, off))
			if r.Start.Byte == r.End.Byte {
				r = t.text.LineOf(off)
			}
		}
	}
	return t.src.diag(hcl.DiagError, r, "Invalid SQL statement", t.src.scrub.text(detail))
}

// callMySQL runs the statement in a transaction (READ ONLY for a read-only
// tool, on the read-only pool) on a connection held for the call. When
// the call's context ends first, the driver drops the connection, but the
// server would go on running the statement: it is killed by its id.
func (t *Tool) callMySQL(ctx context.Context, args []any) (*adapter.Result, error) {
	conn, err := t.pool().Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var id int64
	if err := conn.Raw(func(dc any) error {
		if c, ok := dc.(*mysqlConn); ok {
			id = c.id
		}
		return nil
	}); err != nil {
		return nil, err
	}
	killed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(killed)
		t.src.killMySQLQuery(id)
	})
	res, err := t.inTx(ctx, conn, &stdsql.TxOptions{ReadOnly: t.readOnly}, args)
	if !stop() {
		<-killed
	}
	return res, err
}

// killMySQLQuery stops what connection id is running, from a connection of
// the write pool.
func (s *Source) killMySQLQuery(id int64) {
	if id == 0 || s.db == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The statement may have ended already: then there is nothing to kill.
	s.db.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", id))
}
