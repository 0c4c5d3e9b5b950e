// Command handwritten is the baseline for the load test: the get_order tool
// written by hand against mcp-go and database/sql, the way a careful engineer
// would write it without mcpgen. It must stay honest: no shortcuts mcpgen
// could not also take (it still validates its argument, uses a read-only
// pool and returns structuredContent plus the same JSON as text).
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	_ "modernc.org/sqlite"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8090", "address for Streamable HTTP")
	dbPath := flag.String("db", "orders.db", "SQLite database with an orders table")
	stdio := flag.Bool("stdio", false, "serve MCP on stdin/stdout instead of HTTP")
	flag.Parse()
	if err := run(*listen, *dbPath, *stdio); err != nil {
		fmt.Fprintln(os.Stderr, "handwritten:", err)
		os.Exit(1)
	}
}

// order is one row; placed_at is kept as time.Time so that it is encoded
// as RFC 3339, as mcpgen does.
type order struct {
	ID         int64     `json:"id"`
	Status     string    `json:"status"`
	TotalCents int64     `json:"total_cents"`
	PlacedAt   time.Time `json:"placed_at"`
}

func run(listen, dbPath string, stdio bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Same shape as mcpgen's pool for read-only tools on SQLite: query_only
	// connections, at most 8 of them, kept open.
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	stmt, err := db.PrepareContext(ctx, "SELECT id, status, total_cents, placed_at FROM orders WHERE id = ?")
	if err != nil {
		return err
	}
	defer stmt.Close()

	s := server.NewMCPServer("handwritten", "1.0.0", server.WithRecovery())
	s.AddTool(mcp.NewTool("get_order",
		mcp.WithDescription("Look up one order by its id."),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithInteger("order_id", mcp.Required(), mcp.Min(1), mcp.Description("The order id.")),
	), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args struct {
			OrderID *int64 `json:"order_id"`
		}
		// Decoding into int64 rejects 1.5 and "12", as a JSON Schema
		// integer should.
		if err := req.BindArguments(&args); err != nil || args.OrderID == nil || *args.OrderID < 1 {
			return mcp.NewToolResultError("order_id must be an integer of at least 1"), nil
		}
		var o order
		err := stmt.QueryRowContext(ctx, *args.OrderID).Scan(&o.ID, &o.Status, &o.TotalCents, &o.PlacedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return mcp.NewToolResultError("No order with that id."), nil
		}
		if err != nil {
			return mcp.NewToolResultError("query failed"), nil
		}
		text, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		return mcp.NewToolResultStructured(o, string(text)), nil
	})

	if stdio {
		return server.NewStdioServer(s).Listen(ctx, os.Stdin, os.Stdout)
	}

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	// Sessions of clients that never say goodbye would leak without a TTL.
	streamable := server.NewStreamableHTTPServer(s,
		server.WithStreamableHTTPServer(httpSrv),
		server.WithSessionIdleTTL(30*time.Minute))
	mux := http.NewServeMux()
	mux.Handle("/mcp", streamable)
	httpSrv.Handler = mux

	// The same line shape as mcpgen's, so that tools can read either.
	line, _ := json.Marshal(map[string]string{
		"level": "info", "message": "serving Streamable HTTP", "url": "http://" + ln.Addr().String() + "/mcp",
	})
	fmt.Fprintln(os.Stderr, string(line))

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return streamable.Shutdown(shutdownCtx)
}
