package initdb

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"sync"
)

// postgresDialect reads the tables of the current schema from pg_catalog:
// comments with obj_description and col_description, enums from CHECK
// constraints of the form col IN ('a', 'b') (which PostgreSQL stores as
// col = ANY (ARRAY[...])).
type postgresDialect struct{}

func (postgresDialect) Driver() string    { return "postgres" }
func (postgresDialect) SQLDriver() string { return "pgx" }

func (postgresDialect) Quote(name string) string {
	if isIdent(name) && strings.ToLower(name) == name && !sqlKeyword[strings.ToUpper(name)] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (postgresDialect) Cast(c *Column) string {
	switch c.Kind {
	case KindInteger:
		return "BIGINT"
	case KindNumber:
		return "DOUBLE PRECISION"
	case KindBoolean:
		return "BOOLEAN"
	}
	if c.Type == "uuid" {
		return "UUID"
	}
	return "TEXT"
}

const pgTables = `
SELECT c.oid, c.relname, COALESCE(obj_description(c.oid, 'pg_class'), ''), c.relkind IN ('v', 'm')
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = current_schema()
 ORDER BY c.relname`

const pgColumns = `
SELECT a.attname, format_type(a.atttypid, NULL), t.typname, NOT a.attnotnull,
       CASE WHEN a.atttypmod > 4 AND t.typname IN ('varchar', 'bpchar') THEN a.atttypmod - 4 ELSE 0 END,
       COALESCE(col_description(a.attrelid, a.attnum), '')
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum`

const pgConstraints = `
SELECT con.contype,
       array_to_string(ARRAY(SELECT att.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.n ORDER BY k.i), chr(31)),
       COALESCE(ref.relname, ''),
       COALESCE(array_to_string(ARRAY(SELECT att.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute att ON att.attrelid = con.confrelid AND att.attnum = k.n ORDER BY k.i), chr(31)), ''),
       pg_get_constraintdef(con.oid)
  FROM pg_constraint con
  LEFT JOIN pg_class ref ON ref.oid = con.confrelid
 WHERE con.conrelid = $1 AND con.contype IN ('p', 'f', 'c')
 ORDER BY con.contype, con.conname`

const pgIndexLeads = `
SELECT DISTINCT a.attname
  FROM pg_index i
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
 WHERE i.indrelid = $1`

// pgAnyArray matches the stored form of col IN ('a', 'b').
var pgAnyArray = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^CHECK \(+"?(\w+)"?\)?(?:::[\w ]+)? = ANY \(+ARRAY\[(.*)\]\)?(?:::[\w ]+\[\])?\)+$`)
})

func (d postgresDialect) ReadSchema(ctx context.Context, db *sql.DB) (*Schema, error) {
	rows, err := db.QueryContext(ctx, pgTables)
	if err != nil {
		return nil, err
	}
	type raw struct {
		oid           uint32
		name, comment string
		view          bool
	}
	var tables []raw
	for rows.Next() {
		var r raw
		if err := rows.Scan(&r.oid, &r.name, &r.comment, &r.view); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s := &Schema{Driver: "postgres", HasComments: true}
	for _, r := range tables {
		t := Table{Name: r.name, Comment: r.comment, View: r.view}
		if err := pgEach(ctx, db, pgColumns, r.oid, func(rows *sql.Rows) error {
			var c Column
			var typname string
			if err := rows.Scan(&c.Name, &c.Type, &typname, &c.Nullable, &c.MaxLength, &c.Comment); err != nil {
				return err
			}
			c.Kind = postgresKind(typname)
			if c.Kind != KindString {
				c.MaxLength = 0
			}
			c.Type = typname
			t.Columns = append(t.Columns, c)
			return nil
		}); err != nil {
			return nil, err
		}
		if err := pgEach(ctx, db, pgConstraints, r.oid, func(rows *sql.Rows) error {
			var kind, colList, ref, refList, def string
			if err := rows.Scan(&kind, &colList, &ref, &refList, &def); err != nil {
				return err
			}
			cols, refCols := splitNames(colList), splitNames(refList)
			switch kind {
			case "p":
				t.PrimaryKey = cols
			case "f":
				t.ForeignKeys = append(t.ForeignKeys, ForeignKey{Columns: cols, RefTable: ref, RefColumns: refCols})
			case "c":
				if m := pgAnyArray().FindStringSubmatch(def); m != nil {
					if c := t.Column(m[1]); c != nil {
						c.Enum = stringLiterals(m[2])
					}
				}
				for _, body := range (checkText{}).checkBodies(def) {
					checkText{}.apply(&t, body)
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
		lead := map[string]bool{}
		if err := pgEach(ctx, db, pgIndexLeads, r.oid, func(rows *sql.Rows) error {
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
		s.Tables = append(s.Tables, t)
	}
	return s, nil
}

func pgEach(ctx context.Context, db *sql.DB, query string, oid uint32, f func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, oid)
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

func postgresKind(typname string) Kind {
	switch typname {
	case "int2", "int4", "int8":
		return KindInteger
	case "float4", "float8", "numeric":
		return KindNumber
	case "bool":
		return KindBoolean
	case "text", "varchar", "bpchar", "uuid", "citext", "name":
		return KindString
	case "date", "timestamp", "timestamptz", "time", "timetz":
		return KindTime
	case "json", "jsonb":
		return KindJSON
	case "bytea":
		return KindBytes
	}
	return KindOther
}

func splitNames(list string) []string {
	if list == "" {
		return nil
	}
	return strings.Split(list, "\x1f")
}
