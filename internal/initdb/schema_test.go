package initdb

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// load runs a testdata script, statement by statement.
func load(t *testing.T, driver, dsn, file string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range strings.Split(string(script), ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.ExecContext(context.Background(), stmt); err != nil {
			t.Fatalf("loading %s: %v\n%s", file, err, stmt)
		}
	}
}

// TestReadSchema reads the test schema on each database: keys (one of them
// composite), foreign keys, index leads, kinds, lengths, enums and, where
// the database has them, comments.
func TestReadSchema(t *testing.T) {
	type db struct{ driver, dsn string }
	dbs := map[string]func(t *testing.T) db{
		"sqlite": func(t *testing.T) db {
			dsn := "file:" + filepath.Join(t.TempDir(), "s.db")
			load(t, "sqlite", dsn, "sqlite.sql")
			return db{"sqlite", dsn}
		},
	}
	if admin := os.Getenv("MCPGEN_TEST_POSTGRES_DSN"); admin != "" {
		dbs["postgres"] = func(t *testing.T) db {
			return db{"postgres", freshPostgres(t, admin)}
		}
	} else if os.Getenv("CI") == "true" {
		t.Fatal("MCPGEN_TEST_POSTGRES_DSN is not set: under CI the PostgreSQL tests must run")
	}
	if admin := os.Getenv("MCPGEN_TEST_MYSQL_DSN"); admin != "" {
		dbs["mysql"] = func(t *testing.T) db {
			return db{"mysql", freshMySQL(t, admin)}
		}
	} else if os.Getenv("CI") == "true" {
		t.Fatal("MCPGEN_TEST_MYSQL_DSN is not set: under CI the MySQL tests must run")
	}
	for name, open := range dbs {
		t.Run(name, func(t *testing.T) {
			d := open(t)
			s, err := Read(context.Background(), d.driver, d.dsn)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tb := range s.Tables {
				names = append(names, tb.Name)
			}
			if fmt.Sprint(names) != "[customers order_lines orgs pro_customers]" {
				t.Fatalf("tables = %v", names)
			}
			c, ol := &s.Tables[0], &s.Tables[1]
			if fmt.Sprint(ol.PrimaryKey) != "[order_id line]" {
				t.Errorf("order_lines key = %v", ol.PrimaryKey)
			}
			if len(ol.ForeignKeys) != 1 || ol.ForeignKeys[0].RefTable != "customers" || fmt.Sprint(ol.ForeignKeys[0].RefColumns) != "[id]" {
				t.Errorf("order_lines foreign keys = %+v", ol.ForeignKeys)
			}
			leads := "[id email active tier]"
			if name == "mysql" {
				leads = "[id org email active tier]" // InnoDB indexes every foreign key
			}
			if fmt.Sprint(c.Indexed) != leads {
				t.Errorf("customers index leads = %v", c.Indexed)
			}
			kinds := map[string]Kind{"id": KindInteger, "email": KindString, "balance": KindNumber, "active": KindBoolean,
				"created_at": KindTime, "profile": KindJSON, "avatar": KindBytes}
			for col, k := range kinds {
				if got := c.Column(col).Kind; got != k {
					t.Errorf("customers.%s kind = %v, want %v", col, got, k)
				}
			}
			if c.Column("email").MaxLength != 254 || !c.Column("name").Nullable || c.Column("email").Nullable {
				t.Errorf("customers.email/name: %+v %+v", c.Column("email"), c.Column("name"))
			}
			if !slices.Equal(c.Column("tier").Enum, []string{"free", "pro", "enterprise"}) {
				t.Errorf("customers.tier enum = %v", c.Column("tier").Enum)
			}
			if v := s.Tables[3]; !v.View || len(v.PrimaryKey) != 0 || len(v.Columns) != 3 || s.Tables[0].View ||
				(name == "postgres" && v.Comment != "Customers on the pro plan.") || (name != "postgres" && v.Comment != "") {
				t.Errorf("view pro_customers = %+v", v)
			}
			// Bounds from CHECK constraints; an OR reads as nothing.
			bound := func(r *big.Rat) string {
				if r == nil {
					return "none"
				}
				return r.RatString()
			}
			o := &s.Tables[2]
			got := fmt.Sprintf("customers.id %s..%s; order_lines.line %s..%s, order_id %s..%s, quantity %s..%s; orgs.id length %d",
				bound(c.Column("id").Minimum), bound(c.Column("id").Maximum), bound(ol.Column("line").Minimum), bound(ol.Column("line").Maximum),
				bound(ol.Column("order_id").Minimum), bound(ol.Column("order_id").Maximum),
				bound(ol.Column("quantity").Minimum), bound(ol.Column("quantity").Maximum), o.Column("id").MaxLength)
			if want := "customers.id 1..none; order_lines.line 1..999, order_id none..none, quantity 0..none; orgs.id length 32"; got != want {
				t.Errorf("CHECK bounds:\n got %s\nwant %s", got, want)
			}
			if name != "sqlite" && (c.Comment != "People who buy from an organization." || c.Column("tier").Comment != "The customer's plan.") {
				t.Errorf("comments: table %q, tier %q", c.Comment, c.Column("tier").Comment)
			}
		})
	}
}

var pgSeq int

func freshPostgres(t *testing.T, admin string) string {
	t.Helper()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pgSeq++
	name := fmt.Sprintf("mcpgen_initdb_%d_%d", os.Getpid(), pgSeq)
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("MCPGEN_TEST_POSTGRES_DSN must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	dsn := u.String()
	load(t, "pgx", dsn, "postgres.sql")
	return dsn
}
