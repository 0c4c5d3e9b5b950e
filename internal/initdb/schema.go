// Package initdb reads a database's schema and writes a starter mcpgen
// configuration from it (mcpgen init --from-db).
//
// It lives in internal, not in adapters/sql: it runs once, at the command
// line, before any configuration exists, and shares nothing with serving.
// Keeping it apart keeps the adapter's surface to what runtime needs, and
// lets this package depend on hclwrite without the adapter doing so. It
// opens databases with the drivers adapters/sql serves with
// (modernc.org/sqlite as "sqlite", pgx as "pgx"), and imports neither
// runtime nor an adapter.
//
// A database is one Dialect: how to read its schema and how to write its
// casts. SQLite, PostgreSQL and MySQL/MariaDB are implemented; another driver plugs in by
// adding a Dialect to dialects.
//
// Its regular expressions are compiled on first use (sync.OnceValue):
// every mcpgen command links this package, and only init uses them.
package initdb

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"sort"
	"strings"

	// The drivers adapters/sql serves with, registered as "pgx", "sqlite"
	// and "mysql".
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// Kind is what a column's values are, as mcpgen params see them.
type Kind int

const (
	KindString Kind = iota
	KindInteger
	KindNumber
	KindBoolean
	KindTime  // a date or timestamp: RFC 3339 text on output
	KindJSON  // JSON text
	KindBytes // base64 on output
	KindOther // anything else: returned, never a filter
)

// Column is one column of a table.
type Column struct {
	Name      string
	Type      string // as the database declares it
	Kind      Kind
	Nullable  bool
	MaxLength int      // for strings, 0 when unbounded
	Enum      []string // from a CHECK (col IN (...)) constraint
	// Inclusive bounds read from CHECK constraints (check.go): Minimum
	// and Maximum for integers and numbers, MinLength (and a MaxLength
	// tighter than the declared one) for strings. Nil or 0 when none.
	Minimum, Maximum *big.Rat
	MinLength        int
	Comment          string
}

// ForeignKey is one foreign key of a table.
type ForeignKey struct {
	Columns    []string
	RefTable   string
	RefColumns []string
}

// Table is one table of the schema.
type Table struct {
	Name        string
	Comment     string
	Columns     []Column
	PrimaryKey  []string
	ForeignKeys []ForeignKey
	// Indexed are the columns that lead an index (the first column of
	// each), in column order: the filters list_<table> offers.
	Indexed []string
	// View is true for a view (and a PostgreSQL materialized view): it
	// has no key, so it gets list_<name> only.
	View bool
}

// Column returns the named column, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// Schema is what a database holds.
type Schema struct {
	Driver string // the mcpgen source driver: sqlite, postgres
	Tables []Table
	// HasComments is false for databases without table or column
	// comments (SQLite).
	HasComments bool
}

// Dialect is one kind of database.
type Dialect interface {
	// Driver is the mcpgen source driver name.
	Driver() string
	// SQLDriver is the database/sql driver name to open it with.
	SQLDriver() string
	// ReadSchema reads the tables (all of them when only is empty).
	ReadSchema(ctx context.Context, db *sql.DB) (*Schema, error)
	// Cast is the type to CAST an optional param to, for a column.
	Cast(c *Column) string
	// Quote quotes an identifier when it needs quoting.
	Quote(name string) string
}

var dialects = map[string]Dialect{
	"sqlite":   sqliteDialect{},
	"postgres": postgresDialect{},
	"mysql":    mysqlDialect{},
}

// Drivers lists the supported drivers.
func Drivers() []string {
	var out []string
	for d := range dialects {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// DetectDriver guesses the driver from a DSN: PostgreSQL URLs and
// key=value strings, else SQLite (a path or a file: URI).
func DetectDriver(dsn string) string {
	l := strings.ToLower(strings.TrimSpace(dsn))
	switch {
	case strings.HasPrefix(l, "postgres://"), strings.HasPrefix(l, "postgresql://"),
		strings.Contains(l, "host=") || strings.Contains(l, "dbname="):
		return "postgres"
	case strings.HasPrefix(l, "mysql://"), strings.Contains(l, "@tcp("):
		return "mysql"
	}
	return "sqlite"
}

// Read opens the database read-only where the driver allows it and reads
// its schema.
func Read(ctx context.Context, driver, dsn string) (*Schema, error) {
	d, ok := dialects[driver]
	if !ok {
		return nil, fmt.Errorf("driver %q is not supported by init (supported: %s)", driver, strings.Join(Drivers(), ", "))
	}
	open := dsn
	if driver == "sqlite" {
		var err error
		if open, err = sqliteReadOnlyDSN(dsn); err != nil {
			return nil, err
		}
	}
	if driver == "mysql" {
		var err error
		if open, err = mysqlOpenDSN(dsn); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open(d.SQLDriver(), open)
	if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("connecting to the database: %w", err)
	}
	s, err := d.ReadSchema(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	return s, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}
