package sql

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/jmoiron/sqlx"
	"github.com/zclconf/go-cty/cty"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

func init() {
	// sqlx ships without the name modernc registers.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
	adapter.Register("sql", &Adapter{})
}

var (
	_ adapter.Adapter     = (*Adapter)(nil)
	_ adapter.Source      = (*Source)(nil)
	_ adapter.Tool        = (*Tool)(nil)
	_ adapter.PoolStatser = (*Source)(nil)
)

// Adapter decodes `source "sql"` blocks.
type Adapter struct{}

// dialect is the SQL flavour of a source: it decides placeholder syntax,
// which quoting forms the scanner knows and how read-only is enforced.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// Pool defaults. PostgreSQL connections are costly to open and the server
// caps them, so the pool is bounded and recycled; SQLite connections are
// cheap and local, so they live as long as the source.
const (
	defaultMaxOpenConns      = 8
	defaultPGConnMaxLifetime = 30 * time.Minute
	defaultPGConnMaxIdleTime = 5 * time.Minute
)

// poolConfig holds the pool settings as written; nil means not set.
type poolConfig struct {
	maxOpen  *int
	maxIdle  *int
	lifetime *time.Duration
	idleTime *time.Duration
}

// Source is one `source "sql"` block: its settings after DecodeSource, its
// pools after Open.
type Source struct {
	name      string
	dialect   dialect
	dsn       string // a secret: never logged, never in a message
	seed      string
	pool      poolConfig
	declRange hcl.Range
	dsnRange  hcl.Range
	seedRange hcl.Range

	mu    sync.Mutex
	tools []*Tool

	// Set by Open.
	db     *sqlx.DB    // postgres: the pool; sqlite file: the write pool; sqlite memory: the one connection
	ro     *sqlx.DB    // sqlite file: the query_only pool for read-only tools; nil otherwise
	memory bool        // sqlite in-memory: one connection, read-only set per call
	memRO  atomic.Bool // whether the single-connection authorizer refuses writes now
	scrub  scrubber
}

var sourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "driver", Required: true},
		{Name: "dsn", Required: true},
		{Name: "seed"},
		{Name: "max_open_conns"},
		{Name: "max_idle_conns"},
		{Name: "conn_max_lifetime"},
		{Name: "conn_max_idle_time"},
	},
}

// DecodeSource decodes the body of a `source "sql"` block. It does no I/O.
func (a *Adapter) DecodeSource(src *cfg.Source) (adapter.Source, hcl.Diagnostics) {
	s := &Source{name: src.Name, declRange: src.DeclRange}
	content, diags := src.Body.Content(sourceSchema)

	if attr, ok := content.Attributes["driver"]; ok {
		v, marked, d := evalStringMarked(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			switch v {
			case "sqlite":
				s.dialect = dialectSQLite
			case "postgres":
				s.dialect = dialectPostgres
			default:
				diags = append(diags, cfg.AttrError(attr, "Unsupported SQL driver",
					"driver must be \"sqlite\" or \"postgres\", not %s.", quoteUnlessSecret(v, marked)))
			}
		}
	}

	if attr, ok := content.Attributes["dsn"]; ok {
		s.dsnRange = attr.Expr.Range()
		v, d := evalString(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.dsn = v
			if strings.TrimSpace(v) == "" {
				diags = append(diags, cfg.AttrError(attr, "Empty DSN", "dsn must name a database."))
			} else if s.dialect == dialectSQLite {
				// Caught here rather than at Open so that `validate --offline`
				// sees it. The message never repeats the DSN: it is a secret.
				if i := strings.IndexByte(v, '?'); i >= 1 {
					if _, err := url.ParseQuery(v[i+1:]); err != nil {
						diags = append(diags, cfg.AttrError(attr, "Invalid DSN",
							"The query part of the SQLite dsn (after '?') is not valid URL query syntax."))
					}
				}
			}
		}
	}

	if attr, ok := content.Attributes["seed"]; ok {
		s.seedRange = attr.Expr.Range()
		v, d := evalString(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.seed = v
		}
	}

	if attr, ok := content.Attributes["max_open_conns"]; ok {
		n, d := evalInt(attr, src.Ctx, 1)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.pool.maxOpen = &n
		}
	}
	if attr, ok := content.Attributes["max_idle_conns"]; ok {
		n, d := evalInt(attr, src.Ctx, 0)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.pool.maxIdle = &n
			if s.pool.maxOpen != nil && n > *s.pool.maxOpen {
				diags = append(diags, cfg.AttrError(attr, "Invalid max_idle_conns",
					"max_idle_conns (%d) is larger than max_open_conns (%d).", n, *s.pool.maxOpen))
			}
		}
	}
	if attr, ok := content.Attributes["conn_max_lifetime"]; ok {
		dur, d := evalDuration(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.pool.lifetime = &dur
		}
	}
	if attr, ok := content.Attributes["conn_max_idle_time"]; ok {
		dur, d := evalDuration(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.pool.idleTime = &dur
		}
	}
	return s, diags
}

// evalValue evaluates an attribute once, at load, and strips the marks that
// env() puts on secrets: the adapter keeps DSNs to itself.
func evalValue(attr *hcl.Attribute, ctx *hcl.EvalContext) (cty.Value, bool, hcl.Diagnostics) {
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, false, diags
	}
	marked := v.ContainsMarked()
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return cty.NilVal, marked, append(diags, cfg.AttrError(attr, "Missing value",
			"%s must not be null.", attr.Name))
	}
	if !v.IsWhollyKnown() {
		return cty.NilVal, marked, append(diags, cfg.AttrError(attr, "Unknown value",
			"%s must be known when the configuration is loaded.", attr.Name))
	}
	return v, marked, diags
}

func evalString(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, hcl.Diagnostics) {
	s, _, diags := evalStringMarked(attr, ctx)
	return s, diags
}

// evalStringMarked also says whether the value came from env(), for
// attributes a client will see.
func evalStringMarked(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, bool, hcl.Diagnostics) {
	v, marked, diags := evalValue(attr, ctx)
	if diags.HasErrors() {
		return "", marked, diags
	}
	if v.Type() != cty.String {
		return "", marked, append(diags, cfg.AttrError(attr, "Invalid value",
			"%s must be a string, not %s.", attr.Name, v.Type().FriendlyName()))
	}
	return v.AsString(), marked, diags
}

func evalBool(attr *hcl.Attribute, ctx *hcl.EvalContext) (bool, hcl.Diagnostics) {
	v, _, diags := evalValue(attr, ctx)
	if diags.HasErrors() {
		return false, diags
	}
	if v.Type() != cty.Bool {
		return false, append(diags, cfg.AttrError(attr, "Invalid value",
			"%s must be true or false, not %s.", attr.Name, v.Type().FriendlyName()))
	}
	return v.True(), diags
}

// evalInt reads a whole number of at least min.
func evalInt(attr *hcl.Attribute, ctx *hcl.EvalContext, min int) (int, hcl.Diagnostics) {
	v, _, diags := evalValue(attr, ctx)
	if diags.HasErrors() {
		return 0, diags
	}
	bad := func() (int, hcl.Diagnostics) {
		return 0, append(diags, cfg.AttrError(attr, "Invalid value",
			"%s must be a whole number of at least %d.", attr.Name, min))
	}
	if v.Type() != cty.Number {
		return bad()
	}
	bf := v.AsBigFloat()
	i, acc := bf.Int64()
	if !bf.IsInt() || acc != 0 || i < int64(min) || i > 1<<31 {
		return bad()
	}
	return int(i), diags
}

func evalDuration(attr *hcl.Attribute, ctx *hcl.EvalContext) (time.Duration, hcl.Diagnostics) {
	s, marked, diags := evalStringMarked(attr, ctx)
	if diags.HasErrors() {
		return 0, diags
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, append(diags, cfg.AttrError(attr, "Invalid duration",
			"%s must be a duration such as \"30m\" or \"90s\", not %s.", attr.Name, quoteUnlessSecret(s, marked)))
	}
	return d, diags
}

// quoteUnlessSecret quotes a bad value for a diagnostic, unless env() gave
// it: those are secrets even when they are only a typo.
func quoteUnlessSecret(v string, secret bool) string {
	if secret {
		return "the value from env()"
	}
	return fmt.Sprintf("%q", v)
}
