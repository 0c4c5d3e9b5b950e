package sql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// pgUserTables counts the relations of the current schema: a database whose
// tables live elsewhere is empty as far as the seed is concerned.
const pgUserTables = `SELECT count(*) FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`

// seedLockKey is the advisory lock two servers seeding one database take.
const seedLockKey int64 = 0x6d6370_67656e // "mcpgen"

// pgConnectTimeout bounds the first connection when the caller's context
// has no deadline: an unreachable host must not hang `mcpgen validate`.
const pgConnectTimeout = 15 * time.Second

func (s *Source) openPostgres(ctx context.Context, opts adapter.OpenOptions, tools []*Tool, log zerolog.Logger) hcl.Diagnostics {
	s.scrub = newScrubber(s.dsn)
	pc, err := pgx.ParseConfig(s.dsn)
	if err != nil {
		return hcl.Diagnostics{s.diag(hcl.DiagError, s.dsnRange, "Invalid PostgreSQL dsn",
			"The dsn is not a connection string pgx accepts: "+s.scrub.text(pgParseMessage(err))+".")}
	}
	s.scrub = newScrubber(s.dsn, pc.Password)

	db := sqlx.NewDb(stdlib.OpenDB(*pc), "pgx")
	s.setPool(db, defaultMaxOpenConns)
	s.setLifetimes(db, defaultPGConnMaxLifetime, defaultPGConnMaxIdleTime)
	pctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, pgConnectTimeout)
		defer cancel()
	}
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		var pe *pgconn.PgError
		if opts.Check && !errors.As(err, &pe) {
			// No server answered. validate --offline is how to check
			// the files alone; without it, validate checks what serve
			// would open, and serve would fail.
			return hcl.Diagnostics{s.diag(hcl.DiagError, s.dsnRange, "Cannot open the database",
				"PostgreSQL is unreachable, so the tools' statements cannot be checked: "+s.scrub.text(err.Error())+". Use validate --offline to check the files without connecting.")}
		}
		return s.connError(err)
	}
	s.db = db

	if opts.Check {
		return s.checkPostgres(ctx, tools)
	}
	if s.seed != "" {
		if diags := s.applySeed(ctx, db, pgUserTables, log); diags.HasErrors() {
			return diags
		}
	}
	return s.withPgConn(ctx, func(conn *pgx.Conn) hcl.Diagnostics {
		return s.describePostgres(ctx, conn, tools, false)
	})
}

// checkPostgres describes the statements for `mcpgen validate`. When the
// database is empty and there is a seed, serve would apply it: the check
// applies it too, inside a transaction it rolls back.
func (s *Source) checkPostgres(ctx context.Context, tools []*Tool) hcl.Diagnostics {
	return s.withPgConn(ctx, func(conn *pgx.Conn) hcl.Diagnostics {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return s.connError(err)
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if s.seed != "" {
			var n int
			if err := tx.QueryRow(ctx, pgUserTables).Scan(&n); err != nil {
				return s.connError(err)
			}
			if n == 0 {
				if _, err := tx.Exec(ctx, s.seed); err != nil {
					return hcl.Diagnostics{s.diag(hcl.DiagError, s.seedRange, "Seed failed",
						"The seed fails against this empty database: "+s.scrub.text(err.Error())+".")}
				}
			}
		}
		return s.describePostgres(ctx, conn, tools, true)
	})
}

func (s *Source) withPgConn(ctx context.Context, f func(*pgx.Conn) hcl.Diagnostics) hcl.Diagnostics {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.connError(err)
	}
	defer conn.Close()
	var diags hcl.Diagnostics
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		diags = f(c.Conn())
		return nil
	})
	if err != nil {
		return s.connError(err)
	}
	return diags
}

// describePostgres prepares every statement as an unnamed statement (so
// nothing is left on the server) and records its columns. In a
// transaction, each runs under a savepoint: a failed statement would
// otherwise abort the rest.
func (s *Source) describePostgres(ctx context.Context, conn *pgx.Conn, tools []*Tool, inTx bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range tools {
		if inTx {
			if _, err := conn.Exec(ctx, "SAVEPOINT mcpgen_describe"); err != nil {
				return append(diags, s.connError(err)...)
			}
		}
		sd, err := conn.PgConn().Prepare(ctx, "", t.stmt.query, nil)
		if inTx {
			undo := "RELEASE SAVEPOINT mcpgen_describe"
			if err != nil {
				undo = "ROLLBACK TO SAVEPOINT mcpgen_describe"
			}
			if _, uerr := conn.Exec(ctx, undo); uerr != nil {
				return append(diags, s.connError(uerr)...)
			}
		}
		if err != nil {
			diags = append(diags, t.pgPrepareError(err))
			continue
		}
		var cols []string
		for _, f := range sd.Fields {
			cols = append(cols, f.Name)
		}
		if d := t.setColumns(cols); d != nil {
			diags = append(diags, d)
		}
	}
	return diags
}

// pgPrepareError points at the token PostgreSQL complained about, when it
// says where.
func (t *Tool) pgPrepareError(err error) *hcl.Diagnostic {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return t.src.diag(hcl.DiagError, t.sqlRange, "Invalid SQL statement", "PostgreSQL: "+t.src.scrub.text(err.Error())+".")
	}
	detail := "PostgreSQL: " + pe.Message
	if pe.Hint != "" {
		detail += " (" + pe.Hint + ")"
	}
	r := t.sqlRange
	if pe.Position > 0 {
		off := t.stmt.origOffset(runeOffset(t.stmt.query, int(pe.Position)-1))
		r = t.text.RangeOf(off, wordEnd(t.sql, off))
		if r.Start.Byte == r.End.Byte {
			r = t.text.LineOf(off)
		}
	}
	return t.src.diag(hcl.DiagError, r, "Invalid SQL statement", t.src.scrub.text(detail)+".")
}

// runeOffset converts PostgreSQL's character position to a byte offset.
func runeOffset(s string, chars int) int {
	off := 0
	for i := 0; i < chars && off < len(s); i++ {
		_, n := utf8.DecodeRuneInString(s[off:])
		off += n
	}
	return off
}

// pgParseMessage keeps pgx's reason and drops the connection string it
// quotes (with the password masked, but the rest of the DSN is a secret
// too).
func pgParseMessage(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "`: "); ok {
		return after
	}
	return msg
}
