package sql

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// defaultNotFound is the tool error for one = true and no row, when the
// tool does not say better.
const defaultNotFound = "No matching row."

// errManyRows is a misconfiguration, not the caller's fault: the operator
// promised at most one row. It is logged, and a write is rolled back.
var errManyRows = errors.New("result.one is set but the statement returned more than one row; add a LIMIT or a unique condition")

// execQuerier is what a statement runs on: a pool, a transaction or a
// connection.
type execQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
}

// call runs the statement with the call's arguments and binds (Call,
// trace.go, wraps it). The context carries the tool's deadline; the driver
// interrupts the statement when it passes.
func (t *Tool) call(ctx context.Context, call *adapter.Call) (*adapter.Result, error) {
	args := make([]any, len(t.stmt.names))
	for i, name := range t.stmt.names {
		v, ok := call.Binds[name]
		if !ok {
			v = call.Args[name] // absent optional param: NULL
		}
		b, err := bindValue(v)
		if err != nil {
			return nil, fmt.Errorf("sql tool %s: :%s: %w", t.name, name, err)
		}
		args[i] = b
	}

	s := t.src
	var (
		res *adapter.Result
		err error
	)
	switch {
	case s.db == nil:
		return nil, fmt.Errorf("sql tool %s: source %s is not open", t.name, s.name)
	case s.dialect == dialectMySQL:
		res, err = t.callMySQL(ctx, args)
	case s.dialect == dialectPostgres:
		res, err = t.inTx(ctx, s.db.DB, &stdsql.TxOptions{ReadOnly: t.readOnly}, args)
	case s.memory:
		res, err = t.onMemory(ctx, args)
	case t.readOnly:
		// One statement on a connection that cannot write: no transaction
		// needed, SQLite runs each statement atomically.
		res, err = t.run(ctx, t.pool(), t.prepared, args)
	default:
		res, err = t.inTx(ctx, s.db.DB, nil, args)
	}
	if err != nil {
		var te *adapter.ToolError
		if errors.As(err, &te) {
			return nil, te
		}
		if msg := s.unavailableMessage(err, t.readOnly); msg != "" && ctx.Err() == nil {
			return nil, &adapter.ToolError{Msg: msg}
		}
		err = s.scrub.err(err)
		// Drivers report an interrupted statement in their own words; make
		// sure errors.Is still sees the deadline.
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w: %w", cerr, err)
		}
		return nil, fmt.Errorf("sql tool %s: %w", t.name, err)
	}
	return res, nil
}

// beginner is *sql.DB or *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, opts *stdsql.TxOptions) (*stdsql.Tx, error)
}

// inTx runs the statement in a transaction that commits when it succeeds.
func (t *Tool) inTx(ctx context.Context, db beginner, opts *stdsql.TxOptions, args []any) (*adapter.Result, error) {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return nil, notStarted{err}
	}
	defer tx.Rollback() // after Commit, a no-op
	var stmt *stdsql.Stmt
	if t.prepared != nil {
		stmt = tx.StmtContext(ctx, t.prepared)
	}
	res, err := t.run(ctx, tx, stmt, args)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return res, nil
}

// onMemory runs the statement on the one connection of an in-memory
// database, with query_only (and the authorizer) set for what the tool is.
// A read-only tool runs its prepared statement, when it has one.
func (t *Tool) onMemory(ctx context.Context, args []any) (*adapter.Result, error) {
	s := t.src
	if s.memConn == nil {
		return nil, errors.New("the in-memory database is not open")
	}
	select {
	case s.memTurn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.memTurn }()
	conn := s.memConn
	// Holding the turn, the flag is ours until we give it back.
	s.memRO.Store(t.readOnly)
	defer s.memRO.Store(false)
	if t.readOnly {
		if err := s.queryOnly(ctx, conn); err != nil {
			return nil, err
		}
		return t.run(ctx, conn, t.prepared, args)
	}
	s.memQueryOnly = false
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		return nil, err
	}
	return t.inTx(ctx, conn, nil, args)
}

// queryOnly turns query_only on for conn, the in-memory database's one
// connection, whose turn the caller holds. It stays on from one read to
// the next: only a write tool turns it off (a read's authorizer refuses
// to), and the write path forgets it first.
func (s *Source) queryOnly(ctx context.Context, conn *stdsql.Conn) error {
	if s.memQueryOnly {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
		return err
	}
	s.memQueryOnly = true
	return nil
}

// run runs the statement on q, or as stmt when it is prepared.
func (t *Tool) run(ctx context.Context, q execQuerier, stmt *stdsql.Stmt, args []any) (*adapter.Result, error) {
	if t.described && t.columns == nil {
		var r stdsql.Result
		var err error
		if stmt != nil {
			r, err = stmt.ExecContext(ctx, args...)
		} else {
			r, err = q.ExecContext(ctx, t.stmt.query, args...)
		}
		if err != nil {
			return nil, err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return nil, err
		}
		return &adapter.Result{Structured: map[string]any{"rows_affected": n}, Rows: int(n)}, nil
	}

	var rows *stdsql.Rows
	var err error
	if stmt != nil {
		rows, err = stmt.QueryContext(ctx, args...)
	} else {
		rows, err = q.QueryContext(ctx, t.stmt.query, args...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	// A read-only tool with one = true takes the first row. A write checks
	// for a second one: an UPDATE that promised one row and touched more
	// must roll back.
	checkMore := !t.one || !t.readOnly
	if t.one {
		// The result and its row in one allocation; the row by pointer:
		// boxing the value would copy it once more.
		one := new(struct {
			res adapter.Result
			row [1]adapter.Row
		})
		out, truncated, err := t.collect(rows, one.row[:0], 1, checkMore)
		switch {
		case err != nil:
			return nil, err
		case len(out) == 0:
			msg := t.notFound
			if msg == "" {
				msg = defaultNotFound
			}
			return nil, &adapter.ToolError{Msg: msg}
		case truncated:
			return nil, errManyRows
		}
		one.res = adapter.Result{Structured: &out[0], Rows: 1}
		return &one.res, nil
	}
	out, truncated, err := t.collect(rows, make([]adapter.Row, 0, min(t.maxRows, 64)), t.maxRows, checkMore)
	if err != nil {
		return nil, err
	}
	return &adapter.Result{
		Structured: &adapter.Rows{Rows: out, Truncated: truncated},
		Rows:       len(out),
		Truncated:  truncated,
	}, nil
}

// columnKinds learns how to map each column from the first result and
// keeps it: a statement's declared column types do not change between calls,
// and asking the driver costs a few allocations per column every time.
func (t *Tool) columnKinds(rows *stdsql.Rows) ([]colKind, error) {
	if k := t.kinds.Load(); k != nil && len(*k) == len(t.columns) {
		return *k, nil
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	kinds := make([]colKind, len(types))
	for i, ct := range types {
		kinds[i] = columnKind(t.src.dialect, ct.DatabaseTypeName())
	}
	if len(kinds) == len(t.columns) {
		t.kinds.Store(&kinds)
	}
	return kinds, nil
}

// collect reads up to limit rows into out, which it appends to, and, when
// checkMore is set, one more to know whether it cut.
func (t *Tool) collect(rows *stdsql.Rows, out []adapter.Row, limit int, checkMore bool) ([]adapter.Row, bool, error) {
	names := t.columns // described at Open; shared by every row, never written
	if len(names) == 0 {
		var err error
		if names, err = rows.Columns(); err != nil {
			return nil, false, err
		}
		// Not described at Open (MySQL queries): a duplicate name would
		// silently lose a column of every row.
		for i, n := range names {
			if slices.Contains(names[:i], n) {
				return nil, false, fmt.Errorf("the statement returns two columns named %q; give one of them another name with AS", n)
			}
		}
	}
	kinds, err := t.columnKinds(rows)
	if err != nil {
		return nil, false, err
	}
	// Each row is scanned into a slice of its own, converted in place and
	// kept as the row's values. The pointers Scan takes share the first
	// row's allocation: one fewer for the common one-row lookup.
	n := len(names)
	var vals, ptrs []any
	truncated := false
	for (len(out) < limit || checkMore) && rows.Next() {
		if len(out) == limit {
			truncated = true
			break
		}
		if ptrs == nil {
			both := make([]any, 2*n)
			vals, ptrs = both[:n:n], both[n:]
		} else {
			vals = make([]any, n)
		}
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, false, err
		}
		for i := range vals {
			vals[i] = jsonValue(vals[i], kinds[i])
		}
		out = append(out, adapter.Row{Columns: names, Values: vals})
	}
	if err := rows.Close(); err != nil {
		return nil, false, err
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return out, truncated, nil
}
