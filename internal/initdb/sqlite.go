package initdb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
)

// sqliteDialect reads sqlite_master and the table pragmas. SQLite has no
// table or column comments; CHECK constraints are read from the CREATE
// TABLE text (check.go).
type sqliteDialect struct{}

func (sqliteDialect) Driver() string    { return "sqlite" }
func (sqliteDialect) SQLDriver() string { return "sqlite" }

func (sqliteDialect) Quote(name string) string {
	if isIdent(name) && !sqlKeyword[strings.ToUpper(name)] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (sqliteDialect) Cast(c *Column) string {
	switch c.Kind {
	case KindInteger:
		return "BIGINT"
	case KindNumber:
		return "DOUBLE PRECISION"
	case KindBoolean:
		return "BOOLEAN"
	}
	return "TEXT"
}

// sqliteReadOnlyDSN opens an existing file read-only: init never creates
// or changes a database.
func sqliteReadOnlyDSN(dsn string) (string, error) {
	if strings.HasPrefix(dsn, "file:") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("the SQLite DSN is not a valid file: URI: %w", err)
		}
		q := u.Query()
		if q.Get("mode") != "memory" {
			path := u.Opaque
			if path == "" {
				path = u.Path
			}
			if _, err := os.Stat(path); err != nil {
				return "", fmt.Errorf("the SQLite database %s: %w", path, err)
			}
			q.Set("mode", "ro")
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	if _, err := os.Stat(dsn); err != nil {
		return "", fmt.Errorf("the SQLite database %s: %w", dsn, err)
	}
	return "file:" + dsn + "?mode=ro", nil
}

var sqliteCheckIn = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)CHECK\s*\(\s*["` + "`" + `\[]?(\w+)["` + "`" + `\]]?\s+IN\s*\(([^()]*)\)\s*\)`)
})

func (d sqliteDialect) ReadSchema(ctx context.Context, db *sql.DB) (*Schema, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, COALESCE(sql, ''), type = 'view' FROM sqlite_master
		WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	type raw struct {
		name, sql string
		view      bool
	}
	var tables []raw
	for rows.Next() {
		var r raw
		if err := rows.Scan(&r.name, &r.sql, &r.view); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s := &Schema{Driver: "sqlite"}
	for _, r := range tables {
		t := Table{Name: r.name, View: r.view}
		if err := d.columns(ctx, db, &t); err != nil {
			return nil, fmt.Errorf("table %s: %w", r.name, err)
		}
		if err := d.foreignKeys(ctx, db, &t); err != nil {
			return nil, fmt.Errorf("table %s: %w", r.name, err)
		}
		if err := d.indexes(ctx, db, &t); err != nil {
			return nil, fmt.Errorf("table %s: %w", r.name, err)
		}
		// Enums and bounds, from the CHECKs outside comments and strings.
		for _, body := range (checkText{}).checkBodies(r.sql) {
			checkText{}.apply(&t, body)
		}
		s.Tables = append(s.Tables, t)
	}
	return s, nil
}

func (sqliteDialect) columns(ctx context.Context, db *sql.DB, t *Table) error {
	rows, err := db.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, t.Name)
	if err != nil {
		return err
	}
	defer rows.Close()
	type pk struct {
		name string
		n    int
	}
	var pks []pk
	for rows.Next() {
		var c Column
		var notNull, p int
		if err := rows.Scan(&c.Name, &c.Type, &notNull, &p); err != nil {
			return err
		}
		c.Nullable = notNull == 0
		c.Kind, c.MaxLength = sqliteKind(c.Type)
		if p > 0 {
			pks = append(pks, pk{c.Name, p})
			if strings.EqualFold(c.Type, "INTEGER") {
				c.Nullable = false // the rowid
			}
		}
		t.Columns = append(t.Columns, c)
	}
	for i := 1; i <= len(pks); i++ {
		for _, p := range pks {
			if p.n == i {
				t.PrimaryKey = append(t.PrimaryKey, p.name)
			}
		}
	}
	return rows.Err()
}

func (sqliteDialect) foreignKeys(ctx context.Context, db *sql.DB, t *Table) error {
	rows, err := db.QueryContext(ctx, `SELECT id, "table", "from", COALESCE("to", '') FROM pragma_foreign_key_list(?) ORDER BY id, seq`, t.Name)
	if err != nil {
		return err
	}
	defer rows.Close()
	last := -1
	for rows.Next() {
		var id int
		var ref, from, to string
		if err := rows.Scan(&id, &ref, &from, &to); err != nil {
			return err
		}
		if id != last {
			t.ForeignKeys = append(t.ForeignKeys, ForeignKey{RefTable: ref})
			last = id
		}
		fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
		fk.Columns = append(fk.Columns, from)
		fk.RefColumns = append(fk.RefColumns, to)
	}
	return rows.Err()
}

func (sqliteDialect) indexes(ctx context.Context, db *sql.DB, t *Table) error {
	rows, err := db.QueryContext(ctx, `SELECT ii.name FROM pragma_index_list(?) il, pragma_index_info(il.name) ii
		WHERE ii.seqno = 0 AND ii.name IS NOT NULL`, t.Name)
	if err != nil {
		return err
	}
	defer rows.Close()
	lead := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		lead[name] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(t.PrimaryKey) > 0 {
		lead[t.PrimaryKey[0]] = true // an INTEGER PRIMARY KEY is the rowid, not an index
	}
	for _, c := range t.Columns {
		if lead[c.Name] {
			t.Indexed = append(t.Indexed, c.Name)
		}
	}
	return nil
}

var lengthRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\(\s*(\d+)\s*\)`) })

// sqliteKind follows SQLite's type affinity rules, with the usual names
// for booleans, times and JSON that affinity alone would call numeric.
func sqliteKind(decl string) (Kind, int) {
	t := strings.ToUpper(decl)
	n := 0
	if m := lengthRe().FindStringSubmatch(t); m != nil {
		fmt.Sscan(m[1], &n)
	}
	switch {
	case strings.Contains(t, "BOOL"):
		return KindBoolean, 0
	case strings.Contains(t, "DATE"), strings.Contains(t, "TIME"):
		return KindTime, 0
	case strings.Contains(t, "JSON"):
		return KindJSON, 0
	case strings.Contains(t, "INT"):
		return KindInteger, 0
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"), t == "":
		if t == "" {
			return KindOther, 0
		}
		return KindString, n
	case strings.Contains(t, "BLOB"):
		return KindBytes, 0
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"),
		strings.Contains(t, "NUMERIC"), strings.Contains(t, "DECIMAL"):
		return KindNumber, 0
	}
	return KindOther, 0
}

var literalRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`'((?:[^']|'')*)'`) })

// stringLiterals are the quoted strings of a list, in order.
func stringLiterals(list string) []string {
	var out []string
	for _, m := range literalRe().FindAllStringSubmatch(list, -1) {
		out = append(out, strings.ReplaceAll(m[1], "''", "'"))
	}
	return out
}

// sqlKeyword are the words quoted when used as names.
var sqlKeyword = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "ORDER": true, "GROUP": true, "BY": true, "LIMIT": true,
	"OFFSET": true, "TABLE": true, "USER": true, "KEY": true, "INDEX": true, "AND": true, "OR": true, "NOT": true,
	"NULL": true, "AS": true, "ON": true, "JOIN": true, "CHECK": true, "DEFAULT": true, "IN": true, "IS": true,
	"CASE": true, "WHEN": true, "END": true, "TO": true, "DESC": true, "ASC": true, "ALL": true, "UNION": true,
	"PRIMARY": true, "REFERENCES": true, "FOREIGN": true, "UNIQUE": true, "CAST": true, "HAVING": true,
}
