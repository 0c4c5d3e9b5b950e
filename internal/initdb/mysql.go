package initdb

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/go-sql-driver/mysql"
)

// mysqlDialect reads MySQL and MariaDB schemas from information_schema,
// and CHECK constraints from SHOW CREATE TABLE (information_schema has
// them under different shapes in MySQL and MariaDB). MariaDB's JSON is a
// LONGTEXT with a json_valid check: that check makes it JSON here too.
type mysqlDialect struct{}

func (mysqlDialect) Driver() string    { return "mysql" }
func (mysqlDialect) SQLDriver() string { return "mysql" }

func (mysqlDialect) Quote(name string) string {
	if isIdent(name) && !sqlKeyword[strings.ToUpper(name)] {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// Cast is empty: MySQL compares a NULL parameter without knowing its type,
// so optional filters need no CAST (and MySQL has no CAST(... AS TEXT)).
func (mysqlDialect) Cast(*Column) string { return "" }

// mysqlOpenDSN turns a mysql:// URL into the driver's DSN; the driver's
// own format passes through.
func mysqlOpenDSN(dsn string) (string, error) {
	rest, ok := strings.CutPrefix(dsn, "mysql://")
	if !ok {
		if _, err := mysql.ParseDSN(dsn); err != nil {
			return "", errors.New("the MySQL DSN is neither user:password@tcp(host:3306)/dbname nor a mysql:// URL")
		}
		return dsn, nil
	}
	u, err := url.Parse("mysql://" + rest)
	if err != nil {
		return "", errors.New("the MySQL DSN is not a valid mysql:// URL")
	}
	c, err := mysql.ParseDSN("/?" + u.RawQuery)
	if err != nil {
		return "", errors.New("the query of the mysql:// URL holds a parameter the driver does not accept")
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
	c.Net, c.Addr, c.DBName = "tcp", host, strings.TrimPrefix(u.Path, "/")
	return c.FormatDSN(), nil
}

const (
	myTables = `SELECT table_name, COALESCE(table_comment, ''), table_type = 'VIEW' FROM information_schema.tables
 WHERE table_schema = DATABASE() AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY table_name`
	myColumns = `SELECT column_name, data_type, column_type, is_nullable = 'YES',
       COALESCE(character_maximum_length, 0), COALESCE(column_comment, '')
  FROM information_schema.columns
 WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`
	myKeys = `SELECT constraint_name, column_name, COALESCE(referenced_table_name, ''), COALESCE(referenced_column_name, '')
  FROM information_schema.key_column_usage
 WHERE table_schema = DATABASE() AND table_name = ?
 ORDER BY constraint_name, ordinal_position`
	myIndexLeads = `SELECT DISTINCT column_name FROM information_schema.statistics
 WHERE table_schema = DATABASE() AND table_name = ? AND seq_in_index = 1`
)

var myJSONCheck = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("(?i)json_valid\\(\\s*`?(\\w+)`?\\s*\\)") })

func (d mysqlDialect) ReadSchema(ctx context.Context, db *sql.DB) (*Schema, error) {
	var dbName sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&dbName); err != nil {
		return nil, err
	}
	if !dbName.Valid {
		return nil, errors.New("the DSN names no database")
	}
	type raw struct {
		name, comment string
		view          bool
	}
	var tables []raw
	if err := myEach(ctx, db, myTables, nil, func(rows *sql.Rows) error {
		var r raw
		err := rows.Scan(&r.name, &r.comment, &r.view)
		if r.view {
			r.comment = "" // MySQL says "VIEW": views have no comment
		}
		tables = append(tables, r)
		return err
	}); err != nil {
		return nil, err
	}
	s := &Schema{Driver: "mysql", HasComments: true}
	for _, r := range tables {
		t := Table{Name: r.name, Comment: r.comment, View: r.view}
		if err := myEach(ctx, db, myColumns, []any{r.name}, func(rows *sql.Rows) error {
			var c Column
			var dataType string
			if err := rows.Scan(&c.Name, &dataType, &c.Type, &c.Nullable, &c.MaxLength, &c.Comment); err != nil {
				return err
			}
			c.Kind = mysqlKind(strings.ToLower(dataType), strings.ToLower(c.Type))
			if strings.HasPrefix(strings.ToLower(c.Type), "enum(") {
				c.Enum = stringLiterals(c.Type[len("enum(") : len(c.Type)-1])
			}
			if c.Kind != KindString || (dataType != "varchar" && dataType != "char") {
				c.MaxLength = 0
			}
			t.Columns = append(t.Columns, c)
			return nil
		}); err != nil {
			return nil, err
		}
		fks := map[string]*ForeignKey{}
		var fkOrder []string
		if err := myEach(ctx, db, myKeys, []any{r.name}, func(rows *sql.Rows) error {
			var name, col, ref, refCol string
			if err := rows.Scan(&name, &col, &ref, &refCol); err != nil {
				return err
			}
			switch {
			case name == "PRIMARY":
				t.PrimaryKey = append(t.PrimaryKey, col)
			case ref != "":
				fk := fks[name]
				if fk == nil {
					fk = &ForeignKey{RefTable: ref}
					fks[name] = fk
					fkOrder = append(fkOrder, name)
				}
				fk.Columns = append(fk.Columns, col)
				fk.RefColumns = append(fk.RefColumns, refCol)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		for _, name := range fkOrder {
			t.ForeignKeys = append(t.ForeignKeys, *fks[name])
		}
		lead := map[string]bool{}
		if err := myEach(ctx, db, myIndexLeads, []any{r.name}, func(rows *sql.Rows) error {
			var name string
			err := rows.Scan(&name)
			lead[name] = true
			return err
		}); err != nil {
			return nil, err
		}
		for _, c := range t.Columns {
			if lead[c.Name] {
				t.Indexed = append(t.Indexed, c.Name)
			}
		}
		if t.View {
			// A view has no constraints, and SHOW CREATE TABLE answers
			// it with SHOW CREATE VIEW's columns.
			s.Tables = append(s.Tables, t)
			continue
		}
		var create string
		if err := db.QueryRowContext(ctx, "SHOW CREATE TABLE "+d.Quote(r.name)).Scan(new(string), &create); err != nil {
			return nil, err
		}
		for _, m := range sqliteCheckIn().FindAllStringSubmatch(create, -1) {
			if c := t.Column(m[1]); c != nil && c.Enum == nil {
				c.Enum = stringLiterals(m[2])
			}
		}
		ct := checkText{backslash: true, lengthBytes: true}
		for _, body := range ct.checkBodies(create) {
			ct.apply(&t, body)
		}
		for _, m := range myJSONCheck().FindAllStringSubmatch(create, -1) {
			if c := t.Column(m[1]); c != nil && c.Kind == KindString {
				c.Kind, c.MaxLength = KindJSON, 0
			}
		}
		s.Tables = append(s.Tables, t)
	}
	return s, nil
}

func myEach(ctx context.Context, db *sql.DB, query string, args []any, f func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// mysqlKind maps information_schema's data_type (and column_type, for
// TINYINT(1), which is what BOOLEAN is) to a kind.
func mysqlKind(dataType, columnType string) Kind {
	switch dataType {
	case "tinyint":
		if strings.HasPrefix(columnType, "tinyint(1)") {
			return KindBoolean
		}
		return KindInteger
	case "smallint", "mediumint", "int", "integer", "bigint", "year", "bit":
		return KindInteger
	case "decimal", "numeric", "float", "double", "real":
		return KindNumber
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
		return KindString
	case "date", "datetime", "timestamp", "time":
		return KindTime
	case "json":
		return KindJSON
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return KindBytes
	}
	return KindOther
}

// intRange gives the bounds of MySQL's narrower integer types, from
// column_type ("smallint(6)", "int(10) unsigned").
func (mysqlDialect) intRange(columnType string) (int64, int64, bool) {
	t := strings.ToLower(columnType)
	name, _, _ := strings.Cut(t, "(")
	name, _, _ = strings.Cut(name, " ")
	bits := map[string]uint{"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32}[name]
	if bits == 0 || strings.HasPrefix(t, "tinyint(1)") {
		return 0, 0, false
	}
	if strings.Contains(t, "unsigned") {
		return 0, 1<<bits - 1, true
	}
	return -(1 << (bits - 1)), 1<<(bits-1) - 1, true
}
