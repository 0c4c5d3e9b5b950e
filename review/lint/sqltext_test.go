package lint

import (
	"reflect"
	"testing"
)

func TestAnalyzeSQL(t *testing.T) {
	tests := []struct {
		name        string
		stmt        string
		tables      []string
		primary     string
		constrains  map[string][]string
		star        string
		destructive bool
	}{
		{
			name:       "aliases and joins",
			stmt:       "SELECT o.id FROM orders o JOIN customers AS c ON c.id = o.customer_id WHERE o.org = :org AND c.email = :email",
			tables:     []string{"orders", "customers"},
			primary:    "orders",
			constrains: map[string][]string{"org": {"orders"}, "email": {"customers"}},
		},
		{
			name:       "comma join, CTE and a table-valued function are not tables",
			stmt:       "WITH needle AS (SELECT :q AS p) SELECT p.name FROM products p, needle n, json_each(:ids) j WHERE p.name LIKE n.p",
			tables:     []string{"products"},
			primary:    "products",
			constrains: map[string][]string{},
		},
		{
			name:        "update with an unqualified column and a cast",
			stmt:        "UPDATE orders SET status = 'x' WHERE id = :id AND org = CAST(:org AS TEXT) RETURNING id",
			tables:      []string{"orders"},
			primary:     "orders",
			constrains:  map[string][]string{"id": {"orders"}, "org": {"orders"}},
			destructive: true,
		},
		{
			name:       "parameter first",
			stmt:       "SELECT id FROM orders o WHERE :org = o.org",
			tables:     []string{"orders"},
			primary:    "orders",
			constrains: map[string][]string{"org": {"orders"}},
		},
		{
			name:       "insert values constrain the table written",
			stmt:       "INSERT INTO notes (org, text) VALUES (:org, :text)",
			tables:     []string{"notes"},
			primary:    "notes",
			constrains: map[string][]string{"org": {"notes"}, "text": {"notes"}},
		},
		{
			name:        "upsert is destructive",
			stmt:        "INSERT INTO items (id) VALUES (:id) ON CONFLICT (id) DO UPDATE SET id = excluded.id",
			tables:      []string{"items"},
			primary:     "items",
			constrains:  map[string][]string{"id": {"items"}},
			destructive: true,
		},
		{
			name:        "delete",
			stmt:        `DELETE FROM "Notes" WHERE id = :id`,
			tables:      []string{"notes"},
			primary:     "notes",
			constrains:  map[string][]string{"id": {"notes"}},
			destructive: true,
		},
		{
			name:       "strings, comments and REPLACE() are not SQL",
			stmt:       "SELECT REPLACE(name, 'FROM secrets', '') AS n -- FROM hidden\n FROM items /* JOIN x */ WHERE id = :id",
			tables:     []string{"items"},
			primary:    "items",
			constrains: map[string][]string{"id": {"items"}},
		},
		{
			name:       "select star",
			stmt:       "SELECT * FROM items",
			tables:     []string{"items"},
			primary:    "items",
			constrains: map[string][]string{},
			star:       "SELECT *",
		},
		{
			name:       "alias star",
			stmt:       "SELECT i.id, c.* FROM items i JOIN cats c ON c.id = i.cat",
			tables:     []string{"items", "cats"},
			primary:    "items",
			constrains: map[string][]string{},
			star:       "c.*",
		},
		{
			name:       "count and product are not a star",
			stmt:       "SELECT COUNT(*) AS n, a * b AS p, '*' AS s FROM items",
			tables:     []string{"items"},
			primary:    "items",
			constrains: map[string][]string{},
		},
		{
			name:       "star after a comma",
			stmt:       "SELECT id, * FROM items",
			tables:     []string{"items"},
			primary:    "items",
			constrains: map[string][]string{},
			star:       "*",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := analyzeSQL(tt.stmt)
			if !reflect.DeepEqual(got.tables, tt.tables) || got.primary != tt.primary {
				t.Errorf("tables %q primary %q, want %q %q", got.tables, got.primary, tt.tables, tt.primary)
			}
			if !reflect.DeepEqual(got.constrains, tt.constrains) {
				t.Errorf("constrains %v, want %v", got.constrains, tt.constrains)
			}
			if got.star != tt.star {
				t.Errorf("star %q, want %q", got.star, tt.star)
			}
			if got.destructive != tt.destructive {
				t.Errorf("destructive %v, want %v", got.destructive, tt.destructive)
			}
		})
	}
}

func TestDSNPassword(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://app:pw@db/shop":                  "pw",
		"postgres://app@db/shop":                     "",
		"host=db user=app password=pw dbname=shop":   "pw",
		"host=db user=app password='p w' dbname=x":   "p w",
		"postgres://db/shop?user=app&password=pw":    "pw",
		"file:shop.db":                               "",
		"postgres://app:\x00@db/shop":                "\x00",
		"host=db user=app pwd=pw":                    "pw",
		"postgres://u:p@127.0.0.1/x?sslmode=disable": "p",
	} {
		if got := dsnPassword(dsn); got != want {
			t.Errorf("dsnPassword(%q) = %q, want %q", dsn, got, want)
		}
	}
}

// FuzzAnalyzeSQL: any text, SQL or not, is read without a panic, and
// what is found is in the text.
func FuzzAnalyzeSQL(f *testing.F) {
	for _, s := range []string{
		"SELECT o.id FROM orders o JOIN c ON c.id = o.c WHERE o.org = :org",
		"WITH x AS (SELECT 1) SELECT * FROM x, y",
		"INSERT INTO t (a) VALUES (:a) ON CONFLICT (a) DO UPDATE SET a = excluded.a RETURNING *",
		"UPDATE t SET a = CAST(:a AS TEXT) WHERE b = 'it''s' -- :c\n",
		`DELETE FROM "T" /* unterminated`,
		"SELECT ((( FROM",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, stmt string) {
		info := analyzeSQL(stmt)
		if info.star != "" && (info.starOff < 0 || info.starOff+len(info.star) > len(stmt) || stmt[info.starOff:info.starOff+len(info.star)] != info.star) {
			t.Errorf("star %q at %d is not in the statement", info.star, info.starOff)
		}
		for _, tables := range info.constrains {
			for _, table := range tables {
				if !containsString(info.tables, table) {
					t.Errorf("parameter constrains %q, which is not one of the tables %q", table, info.tables)
				}
			}
		}
	})
}
