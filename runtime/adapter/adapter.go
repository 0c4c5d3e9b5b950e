// Package adapter is the contract between the runtime and the adapters
// that turn `source` blocks into live backends (adapters/sql, adapters/http).
// It is a leaf: it imports our hcl model and the HCL and zerolog libraries,
// nothing else of the runtime, so an adapter links none of the server's
// dependencies (MCP, authentication, Redis, metrics).
//
// Optional behaviour is a small interface a source or tool may also
// implement (PoolStatser, BreakerStatser, Describer); the runtime finds it
// by type assertion, so an adapter declares an interface guard for each
// one it satisfies.
package adapter

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// An Adapter turns `source "TYPE" ...` blocks into live sources. Adapters
// register themselves by type name from their package's init function
// (Register); the runtime finds them with Lookup and never imports one.
type Adapter interface {
	// DecodeSource decodes a source block's body. It does no I/O.
	DecodeSource(src *cfg.Source) (Source, hcl.Diagnostics)
}

// A Source is one configured backend (a database, an HTTP API).
//
// Its life: DecodeSource, then DecodeTool for every tool that names it (no
// I/O so far: this is all `validate --offline` runs), then Open, then calls,
// then Close.
type Source interface {
	// DecodeTool decodes the adapter-specific part of a tool (tool.Body)
	// and checks it against the tool's params and binds. It does no I/O.
	DecodeTool(tool *cfg.Tool) (Tool, hcl.Diagnostics)

	// Open connects the source and prepares every tool decoded so far,
	// reporting a bad statement as a diagnostic at the tool's range.
	Open(ctx context.Context, opts OpenOptions) hcl.Diagnostics

	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error

	// Close releases the source. Calls in flight have finished. It must be
	// safe to call on a source whose Open failed part way or never ran:
	// a configuration with errors is closed without having been opened.
	Close() error
}

// OpenOptions says why a source is being opened.
type OpenOptions struct {
	// Check is set by `mcpgen validate`: connect if reachable and prepare
	// every statement, but change nothing on disk (no database file
	// created, no seed applied to a real database).
	Check bool
	// Log is the operational logger (never the audit log).
	Log zerolog.Logger
	// Pins are the reviewed hashes of definitions a source re-exposes
	// without owning them (an MCP server's tools), from mcpgen.lock, by
	// PinKey. nil: there is no lock file, and a source pins what it
	// reads first.
	Pins map[string]string
	// Upstream hears, while the source runs, when a definition it
	// re-exposes stops or starts being served (UpstreamEvent). It may be
	// called from the source's own goroutines, never with a call in
	// progress. nil: nobody listens.
	Upstream func(UpstreamEvent)
}

// UpstreamEvent is a change in whether a tool built on a server we do not
// control is served: its definition drifted from the pin, or came back to
// it, or the upstream stopped or started offering it.
type UpstreamEvent struct {
	Source       string // the source's key, "mcp.crm"
	Tool         string // the configuration's tool
	UpstreamTool string // the upstream's name for it
	Available    bool   // served again; otherwise refused from now on
	// Drift is set when it is refused because the upstream's definition
	// differs from the reviewed one (Hash is not Pinned).
	Drift        bool
	Hash, Pinned string
	Reason       string // why it is refused, as callers are told
}

// PinKey names one upstream definition in OpenOptions.Pins and the lock
// file: the source's key ("mcp.crm") and the name the upstream gives it.
func PinKey(source, name string) string { return source + "/" + name }

// An UpstreamDefiner is a source whose tools are defined by a server we do
// not control (an MCP server). After Open it reports the definitions it
// read, as the upstream announced them, so that `mcpgen lock` can record
// them and a later change can be caught.
type UpstreamDefiner interface {
	UpstreamDefinitions() []UpstreamDefinition
}

// UpstreamDefinition is one upstream tool's definition as announced.
type UpstreamDefinition struct {
	Key  string // PinKey
	Hash string // "sha256:..." of Definition
	// Definition is the announced definition, canonical JSON (sorted
	// keys): name, title, description, schemas and annotations.
	Definition json.RawMessage
}

// BreakerStatser is implemented by sources that guard a remote service with
// a circuit breaker, so that metrics can report its state ("closed",
// "half_open" or "open") and how many times it opened.
type BreakerStatser interface {
	BreakerStats() (state string, opens uint64)
}

// DriftStatser is implemented by sources that pin definitions they do not
// own (UpstreamDefiner), so that metrics can report how many tools are
// refused now because the upstream's definition drifted from the pin.
type DriftStatser interface {
	DriftedTools() int
}

// RequiredByDefaulter is implemented by sources that say whether a replica
// needs them to be ready when the source block does not say (required).
// Sources that do not implement it are required: a replica that cannot
// reach its database cannot serve. An HTTP source is not: its tools fail
// on their own (fast, behind the breaker) while the rest serve.
type RequiredByDefaulter interface {
	RequiredByDefault() bool
}

// PoolStatser is implemented by sources that keep connection pools, so
// that metrics can report them, by the adapter's name for each pool.
type PoolStatser interface {
	PoolStats() map[string]sql.DBStats
}

// A Tool is the adapter half of a declared tool.
type Tool interface {
	// OutputSchema is the JSON Schema (an object schema) of the
	// structuredContent that Call returns.
	OutputSchema() map[string]any

	// Call runs the tool. Args are validated and complete (defaults
	// applied); values are string, int64, float64, bool or []any. Binds
	// hold the values bound from the caller's identity.
	//
	// An error of type *ToolError is shown to the client as is. Any other
	// error is logged with the request id and the client sees only a
	// short message naming that id.
	Call(ctx context.Context, call *Call) (*Result, error)
}

// A Describer is a Tool that says what it executes, for reviewers: the
// Surface model, `mcpgen tools --surface` and the review tools built on
// them show it beside the tool's guard and binds. Keys are the adapter's
// own ("statement" for SQL; "method", "url", "query.NAME", "header.NAME",
// "body" for HTTP); values are the configuration's text as written (a
// statement, a URL template, a CEL expression), never a credential of the
// source. The map must be the same for equal configurations.
type Describer interface {
	Describe() map[string]string
}

// Call is one validated tools/call.
type Call struct {
	RequestID string
	Tool      string
	Args      map[string]any
	Binds     map[string]any

	// Upstream is filled in by adapters that call a remote service, on
	// success and on failure alike; the audit record carries it.
	Upstream Upstream
}

// Upstream reports what an adapter's remote call did: the last status the
// upstream answered (0 when none answered) and how many attempts were made
// (0 when the adapter makes no remote calls).
type Upstream struct {
	Status   int
	Attempts int
}

// Result is what a tool returns. Structured becomes structuredContent and,
// as compact JSON, the text content. It must marshal to a JSON object: a
// Row or *Row, Rows or *Rows, or a map[string]any.
type Result struct {
	Structured any
	// Rows is the number of rows (or items) returned, for logs and audit.
	Rows int
	// Truncated is set when a cap cut the result short.
	Truncated bool
	// Content, when set, is the result's content as a JSON array of MCP
	// content blocks (text, image, audio, resource links), sent as is
	// instead of Structured's JSON text: an upstream MCP server's answer
	// passes through. Structured may then be nil (no structuredContent).
	Content json.RawMessage
}

// ToolError is an error the client may see verbatim: it says what was wrong
// in terms of the tool's contract, never a driver message or the statement.
type ToolError struct{ Msg string }

func (e *ToolError) Error() string { return e.Msg }

var (
	adaptersMu sync.RWMutex
	adapters   = map[string]Adapter{}
)

// Register makes an adapter available under a source type name. It panics
// on a duplicate, which is a programming error.
func Register(typ string, a Adapter) {
	adaptersMu.Lock()
	defer adaptersMu.Unlock()
	if _, dup := adapters[typ]; dup {
		panic("adapter: registered twice: " + typ)
	}
	adapters[typ] = a
}

// Lookup returns the adapter registered under typ.
func Lookup(typ string) (Adapter, bool) {
	adaptersMu.RLock()
	defer adaptersMu.RUnlock()
	a, ok := adapters[typ]
	return a, ok
}

// Types lists the registered source types, sorted.
func Types() []string {
	adaptersMu.RLock()
	defer adaptersMu.RUnlock()
	types := make([]string, 0, len(adapters))
	for t := range adapters {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}
