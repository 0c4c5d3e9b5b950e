// Command floor is the lower bound for the load test: get_order served with
// net/http, encoding/json and the same prepared SQLite query, and no MCP
// library. It speaks just enough of Streamable HTTP for a client to use it
// (initialize, notifications, tools/list, tools/call, JSON answers, no
// sessions), checks its argument as bench/handwritten does, and returns the
// same structuredContent and text. Whatever a server costs above this is
// what MCP handling, its library and its policies cost.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "modernc.org/sqlite"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8091", "address for HTTP")
	dbPath := flag.String("db", "orders.db", "SQLite database with an orders table")
	flag.Parse()
	if err := run(*listen, *dbPath); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

// order is one row, encoded as bench/handwritten and mcpgen encode it.
type order struct {
	ID         int64     `json:"id"`
	Status     string    `json:"status"`
	TotalCents int64     `json:"total_cents"`
	PlacedAt   time.Time `json:"placed_at"`
}

type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type content struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type toolResult struct {
	Content           []content `json:"content"`
	StructuredContent any       `json:"structuredContent,omitempty"`
	IsError           bool      `json:"isError,omitempty"`
}

func toolError(msg string) toolResult {
	return toolResult{Content: []content{{Type: "text", Text: msg}}, IsError: true}
}

var toolList = json.RawMessage(`{"tools":[{"name":"get_order","description":"Look up one order by its id.",` +
	`"annotations":{"readOnlyHint":true},"inputSchema":{"type":"object","required":["order_id"],` +
	`"properties":{"order_id":{"type":"integer","minimum":1,"description":"The order id."}}}}]}`)

type server struct{ stmt *sql.Stmt }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req request
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeJSON(w, response{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: &rpcError{-32700, "parse error"}})
		return
	}
	if len(req.ID) == 0 { // a notification
		w.WriteHeader(http.StatusAccepted)
		return
	}
	resp := response{JSONRPC: "2.0", ID: req.ID}
	switch req.Method {
	case "initialize":
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		_ = json.Unmarshal(req.Params, &p)
		if p.ProtocolVersion == "" {
			p.ProtocolVersion = "2025-06-18"
		}
		resp.Result = map[string]any{
			"protocolVersion": p.ProtocolVersion,
			"capabilities":    map[string]any{"tools": map[string]any{}},
			"serverInfo":      map[string]string{"name": "floor", "version": "1.0.0"},
		}
	case "ping":
		resp.Result = struct{}{}
	case "tools/list":
		resp.Result = toolList
	case "tools/call":
		resp.Result = s.call(r.Context(), req.Params)
	default:
		resp.Error = &rpcError{-32601, "method not found: " + req.Method}
	}
	writeJSON(w, resp)
}

func (s *server) call(ctx context.Context, params json.RawMessage) toolResult {
	var p struct {
		Name      string `json:"name"`
		Arguments struct {
			OrderID *int64 `json:"order_id"`
		} `json:"arguments"`
	}
	// Decoding into int64 rejects 1.5 and "12", as a JSON Schema integer
	// should.
	if err := json.Unmarshal(params, &p); err != nil || p.Arguments.OrderID == nil || *p.Arguments.OrderID < 1 {
		return toolError("order_id must be an integer of at least 1")
	}
	if p.Name != "get_order" {
		return toolError("unknown tool " + p.Name)
	}
	var o order
	err := s.stmt.QueryRowContext(ctx, *p.Arguments.OrderID).Scan(&o.ID, &o.Status, &o.TotalCents, &o.PlacedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return toolError("No order with that id.")
	}
	if err != nil {
		return toolError("query failed")
	}
	text, err := json.Marshal(o)
	if err != nil {
		return toolError("encoding failed")
	}
	return toolResult{Content: []content{{Type: "text", Text: string(text)}}, StructuredContent: o}
}

func writeJSON(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

func run(listen, dbPath string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The same pool as bench/handwritten and mcpgen's read-only pool.
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

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", &server{stmt: stmt})
	httpSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}

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
	return httpSrv.Shutdown(shutdownCtx)
}
