package sql

import (
	stdsql "database/sql"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/jmoiron/sqlx"

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
	_ adapter.Describer   = (*Tool)(nil)
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
	dialectMySQL
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
	db     *sqlx.DB    // postgres: the pool; mysql, sqlite file: the write pool; sqlite memory: the one connection
	ro     *sqlx.DB    // sqlite file: the query_only pool; mysql: the read-only session pool; nil otherwise
	memory bool        // sqlite in-memory: one connection, read-only set per call
	memRO  atomic.Bool // whether the single-connection authorizer refuses writes now
	// memConn is the in-memory database's one connection, taken from db
	// at Open and held until Close, so that read-only tools can keep
	// statements prepared on it. A call holds memTurn (a token: one call
	// at a time, and a waiting call still sees its context end) while it
	// uses memConn.
	memConn *stdsql.Conn
	memTurn chan struct{}
	// memQueryOnly says query_only is known to be on for memConn. Read and
	// written only by the holder of memTurn.
	memQueryOnly bool
	scrub        scrubber
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
	Blocks: []hcl.BlockHeaderSchema{{Type: "dialect", LabelNames: []string{"driver"}}},
}

// sourceDialectSchema is a `dialect "mysql" { seed = ... }` block: the seed
// for that driver, when the portable one cannot serve it.
var sourceDialectSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "seed", Required: true}},
}

// DecodeSource decodes the body of a `source "sql"` block. It does no I/O.
func (a *Adapter) DecodeSource(src *cfg.Source) (adapter.Source, hcl.Diagnostics) {
	s := &Source{name: src.Name, declRange: src.DeclRange}
	content, diags := src.Body.Content(sourceSchema)

	if attr, ok := content.Attributes["driver"]; ok {
		v, d := cfg.StringAttr(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			switch v {
			case "sqlite":
				s.dialect = dialectSQLite
			case "postgres":
				s.dialect = dialectPostgres
			case "mysql":
				s.dialect = dialectMySQL
			default:
				diags = append(diags, cfg.AttrError(attr, "Unsupported SQL driver",
					"driver must be \"sqlite\", \"postgres\" or \"mysql\", not %s.", cfg.QuoteUnlessSecret(attr, src.Ctx, v)))
			}
		}
	}

	if attr, ok := content.Attributes["dsn"]; ok {
		s.dsnRange = attr.Expr.Range()
		v, d := cfg.StringAttr(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.dsn = v
			if strings.TrimSpace(v) == "" {
				diags = append(diags, cfg.AttrError(attr, "Empty DSN", "dsn must name a database."))
			} else if s.dialect == dialectMySQL {
				// Caught here so that `validate --offline` sees it; the
				// message never repeats the DSN.
				if _, err := parseMySQLDSN(v); err != nil {
					diags = append(diags, cfg.AttrError(attr, "Invalid MySQL dsn", "%s.", mysqlDSNProblem(err)))
				}
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

	seedAttr := content.Attributes["seed"]
	seen := map[string]*hcl.Block{}
	for _, b := range content.Blocks {
		d, ok := dialectBlock(b, seen, &diags)
		if !ok {
			continue
		}
		bc, bd := b.Body.Content(sourceDialectSchema)
		diags = append(diags, bd...)
		if attr := bc.Attributes["seed"]; attr != nil && d == s.dialect {
			seedAttr = attr
		}
	}
	if attr := seedAttr; attr != nil {
		s.seedRange = attr.Expr.Range()
		v, d := cfg.StringAttr(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.seed = v
		}
	}

	if attr, ok := content.Attributes["max_open_conns"]; ok {
		n, d := countAttr(attr, src.Ctx, 1)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.pool.maxOpen = &n
		}
	}
	if attr, ok := content.Attributes["max_idle_conns"]; ok {
		n, d := countAttr(attr, src.Ctx, 0)
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
		dur, d := cfg.DurationAttr(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.pool.lifetime = &dur
		}
	}
	if attr, ok := content.Attributes["conn_max_idle_time"]; ok {
		dur, d := cfg.DurationAttr(attr, src.Ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			s.pool.idleTime = &dur
		}
	}
	return s, diags
}

// countAttr reads a whole number from min to 2^31, such as a pool size.
func countAttr(attr *hcl.Attribute, ctx *hcl.EvalContext, min int) (int, hcl.Diagnostics) {
	n, diags := cfg.IntAttr(attr, ctx)
	if !diags.HasErrors() && (n < min || n > 1<<31) {
		diags = append(diags, cfg.AttrError(attr, "Invalid value", "%s must be a whole number of at least %d.", attr.Name, min))
	}
	return n, diags
}
