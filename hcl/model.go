// Package hcl parses mcpgen configuration files into a plain model.
//
// It evaluates HCL expressions once, at load time (env(), file(), literals),
// and keeps a source range on every declaration. It leaves CEL strings
// (guard, bind) unevaluated and hands adapter-specific bodies (a source's
// settings, a tool's sql or request) to the adapter that owns them, together
// with the evaluation context of the file they came from.
//
// This package imports hashicorp/hcl/v2 and go-cty only: no database, network
// or CEL code. Other packages import it as `cfg` so that hashicorp's package
// keeps its own name.
package hcl

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Config is every file of one configuration, merged.
type Config struct {
	Server  *Server
	Audit   *Audit // never nil after Load: stderr by default
	Auth    *Auth  // nil: no authentication, every caller is anonymous
	Limits  *Limits
	Lint    *Lint // mcpgen lint's settings; the server ignores it
	Sources []*Source
	Tools   []*Tool
	// Resources and Prompts are the other two MCP primitives
	// (resource.go, prompt.go).
	Resources []*Resource
	Prompts   []*Prompt
	// Telemetry is the telemetry block (telemetry.go); nil: the OTEL_*
	// environment alone decides.
	Telemetry *Telemetry
	// Files holds the source bytes of every loaded file, by file name,
	// so that diagnostics can be printed with a snippet.
	Files map[string][]byte
	// Secrets holds every value read with env(). They are redacted from
	// logs and must never appear in anything a client sees.
	Secrets *Secrets
	// Reads holds every file file() read or looked for, so that a reload
	// can watch them too. Adapters evaluate their bodies after Load: it grows until
	// the configuration is checked.
	Reads *Reads
}

// Server is the server block. At most one may appear across all files.
type Server struct {
	Name         string
	Version      string
	Instructions string
	// Guard is the default guard of tools that declare none.
	Guard     *Expr
	PageSize  int // items per list page; 0: the runtime's default
	DeclRange hcl.Range
}

// Source is a `source "TYPE" "NAME"` block. Its body belongs to the adapter
// registered under Type.
type Source struct {
	Type      string
	Name      string
	Body      hcl.Body
	Ctx       *hcl.EvalContext // env(), file() relative to the declaring file
	DeclRange hcl.Range
	TypeRange hcl.Range

	MaxConcurrency int // calls in flight on this source; 0: no cap
	// Required says whether a replica is ready only while the source
	// answers; nil: the adapter's default (adapter.RequiredByDefaulter).
	Required *bool
}

// Tool is a `tool "NAME"` block. The attributes every tool has are decoded
// here; the rest of the body (sql, result, ...) is left in Body for the
// adapter of the tool's source.
type Tool struct {
	Name        string
	Title       string
	Description string
	// Deprecated, when set, tells clients what to use instead
	// (deprecated.go); nil: not deprecated.
	Deprecated *Deprecation
	Source     SourceRef
	Guard      *Expr // CEL, per request; nil when absent

	Params []*Param
	Binds  []*Bind

	// Annotations. ReadOnly defaults to true. Destructive defaults to
	// !ReadOnly, Idempotent and OpenWorld to false.
	ReadOnly    bool
	Destructive bool
	Idempotent  bool
	OpenWorld   bool

	Timeout time.Duration // 0: the runtime default

	// Content, when set, is what the tool returns instead of running a
	// source (content.go); IsError marks it as a tool error.
	Content        []*Content
	IsError        bool
	RateLimit      *RateLimit // nil: the limits block's default, if any
	MaxConcurrency int        // calls of this tool in flight; 0: no cap
	Cache          *Cache     // nil: results are not cached
	Confirm        *Confirm   // nil: runs without asking the user (confirm.go)
	Asks           []*Ask     // values the user supplies when called (ask.go)

	Body      hcl.Body // attributes and blocks for the adapter
	Ctx       *hcl.EvalContext
	DeclRange hcl.Range
	NameRange hcl.Range
}

// SourceRef is a reference such as source.sql.orders.
type SourceRef struct {
	Type  string
	Name  string
	Range hcl.Range
}

// Key is how sources are indexed: "sql.orders".
func (r SourceRef) Key() string { return r.Type + "." + r.Name }

// Key is how sources are indexed: "sql.orders".
func (s *Source) Key() string { return s.Type + "." + s.Name }

// Expr is a CEL expression kept as source text with where it was written.
type Expr struct {
	Source string
	Range  hcl.Range
}

// ParamType is the JSON type of a parameter.
type ParamType string

const (
	TypeString  ParamType = "string"
	TypeInteger ParamType = "integer"
	TypeNumber  ParamType = "number"
	TypeBoolean ParamType = "boolean"
	TypeArray   ParamType = "array"
)

// Param is a `param "NAME"` block: one argument a client passes.
//
// Values (Default, Enum) are already converted to the runtime's value
// representation: string, int64, float64, bool, or []any of those.
type Param struct {
	Name        string
	Type        ParamType
	Items       ParamType // element type when Type is array
	Description string
	Required    bool // true unless a default is given or required = false
	Default     any  // nil when absent
	Enum        []any
	Pattern     string // as written; the runtime anchors it
	Minimum     *float64
	Maximum     *float64
	MinLength   *int
	MaxLength   *int
	MinItems    *int
	MaxItems    *int
	Sensitive   bool // redacted in audit records

	DeclRange hcl.Range
	NameRange hcl.Range // the label (a complete block's own param: the block); always set
	// Ranges of individual attributes, by attribute name, for diagnostics
	// the runtime reports later (pattern, default).
	AttrRanges map[string]hcl.Range
}

// Bind is a `bind "NAME"` block: a value taken from the caller's identity
// (a CEL expression over principal and request), never from arguments.
type Bind struct {
	Name string
	From Expr
	// Type is what the value must be; "" is any string, number or
	// boolean. A value of another type denies the call.
	Type      ParamType
	DeclRange hcl.Range
	NameRange hcl.Range // the label; always set
}
