package mcp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rs/zerolog"
	"github.com/zclconf/go-cty/cty"

	"github.com/mcpgen/mcpgen/adapters/internal/resilience"
	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

func init() {
	adapter.Register("mcp", &Adapter{})
}

var (
	_ adapter.Adapter             = (*Adapter)(nil)
	_ adapter.Source              = (*Source)(nil)
	_ adapter.BreakerStatser      = (*Source)(nil)
	_ adapter.RequiredByDefaulter = (*Source)(nil)
	_ adapter.UpstreamDefiner     = (*Source)(nil)
	_ adapter.DriftStatser        = (*Source)(nil)
	_ adapter.ToolGenerator       = (*Source)(nil)
)

// Adapter decodes `source "mcp"` blocks.
type Adapter struct{}

const (
	defaultTimeout     = 10 * time.Second
	defaultRecheck     = 5 * time.Minute
	defaultMaxResult   = 1 << 20
	restartBackoff     = 200 * time.Millisecond
	restartMaxBackoff  = 30 * time.Second
	protocolVersion    = "2025-11-25" // the last with sessions and list_changed on the GET stream
	clientName         = "mcpgen-gateway"
	maxStderrLineBytes = 4096
)

// Source is one `source "mcp"` block: its settings after DecodeSource, its
// session with the upstream after Open.
type Source struct {
	name, key string
	// Streamable HTTP.
	url     string
	urlText string // as a reviewer reads it, for Describe
	headers map[string]string
	oauth   *oauthSettings // nil: no oauth block
	tokens  *tokenSource   // set by Open with an oauth block
	// stdio.
	command string
	args    []string
	env     []string // NAME=value, the whole environment of the child
	dir     string

	timeout   time.Duration
	recheck   time.Duration // tools/list this often, list_changed or not
	maxBytes  int64
	retry     resilience.Retry // the same blocks as an HTTP source's, minus statuses and jitter
	breakerAt resilience.BreakerSettings
	declRange hcl.Range
	tools     []*Tool
	expose    *exposeAll // nil: only the tools declared on it

	// Set by Open.
	log     zerolog.Logger
	pins    map[string]string
	breaker *resilience.Breaker
	ctx     context.Context // ends at Close: stops restarts and listings
	stop    context.CancelFunc
	bg      sync.WaitGroup
	now     func() time.Time

	mu         sync.Mutex
	sess       *session      // nil: no session
	connecting chan struct{} // closed when the connection attempt in progress ends
	lastErr    error         // why the last attempt failed
	retryAt    time.Time     // no new attempt before then (restart backoff)
	failures   int           // attempts failed in a row
	defs       map[string]*definition
	baseline   map[string]string // without pins: the hash read first, by upstream name
	unavail    map[string]string // why an exposed upstream tool is not served, by upstream name
	drifted    map[string]bool   // declared tools refused for a drifted definition
	events     func(adapter.UpstreamEvent)
	reported   map[string]string // declared tools last reported refused: why and hash
	closed     bool
	listMu     sync.Mutex // one tools/list after list_changed at a time
}

var sourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "url"},
		{Name: "headers"},
		{Name: "command"},
		{Name: "args"},
		{Name: "env"},
		{Name: "dir"},
		{Name: "timeout"},
		{Name: "recheck"},
		{Name: "max_result_bytes"},
		// expose_all and its settings: exposeall.go.
		{Name: "expose_all"},
		{Name: "prefix"},
		{Name: "allow"},
		{Name: "deny"},
		{Name: "guard"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "retry"},
		{Type: "circuit_breaker"},
		{Type: "oauth"},
	},
}

// DecodeSource decodes the body of a `source "mcp"` block. It does no I/O.
func (a *Adapter) DecodeSource(src *cfg.Source) (adapter.Source, hcl.Diagnostics) {
	s := &Source{
		name:      src.Name,
		key:       src.Type + "." + src.Name,
		headers:   map[string]string{},
		timeout:   defaultTimeout,
		recheck:   defaultRecheck,
		maxBytes:  defaultMaxResult,
		retry:     resilience.NoRetry(),
		breakerAt: resilience.DefaultBreaker(),
		declRange: src.DeclRange,
		now:       time.Now,
	}
	content, diags := src.Body.Content(sourceSchema)
	attrs := content.Attributes

	urlAttr, hasURL := attrs["url"]
	cmdAttr, hasCmd := attrs["command"]
	switch {
	case hasURL && hasCmd:
		diags = append(diags, cfg.AttrError(cmdAttr, "Both url and command",
			"An MCP source is reached over HTTP (url) or started as a subprocess (command), not both; the url is at %s.", cfg.Pos(urlAttr.NameRange)))
	case !hasURL && !hasCmd:
		r := src.DeclRange
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No url or command",
			Detail: `An MCP source needs url = "https://host/mcp" (Streamable HTTP) or command = "path" (a stdio subprocess).`, Subject: &r})
	}
	if hasURL {
		diags = append(diags, s.decodeURL(urlAttr, src.Ctx)...)
	}
	if hasCmd {
		v, ds := cfg.StringAttr(cmdAttr, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if strings.TrimSpace(v) == "" {
				diags = append(diags, cfg.AttrError(cmdAttr, "Empty command", "command must name a program to run."))
			} else if strings.Contains(v, "/") && !filepath.IsAbs(v) {
				// Relative to the declaring file, like file().
				v = filepath.Join(filepath.Dir(src.DeclRange.Filename), v)
			}
			s.command = v
		}
	}
	for _, name := range []string{"args", "env", "dir"} {
		if attr, ok := attrs[name]; ok && !hasCmd {
			diags = append(diags, cfg.AttrError(attr, name+" without command", "%s applies to a stdio subprocess: set command, or remove %s.", name, name))
		}
	}
	if attr, ok := attrs["headers"]; ok {
		if !hasURL {
			diags = append(diags, cfg.AttrError(attr, "headers without url", "headers are sent over HTTP: set url, or pass credentials to a subprocess in env."))
		}
		diags = append(diags, s.decodeHeaders(attr, src.Ctx)...)
	}
	if attr, ok := attrs["args"]; ok && hasCmd {
		list, ds := stringList(attr, src.Ctx)
		diags = append(diags, ds...)
		s.args = list
	}
	if attr, ok := attrs["env"]; ok && hasCmd {
		diags = append(diags, s.decodeEnv(attr, src.Ctx)...)
	}
	if attr, ok := attrs["dir"]; ok && hasCmd {
		v, ds := cfg.StringAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() && !filepath.IsAbs(v) {
			v = filepath.Join(filepath.Dir(src.DeclRange.Filename), v)
		}
		s.dir = v
	}
	if attr, ok := attrs["timeout"]; ok {
		d, ds := cfg.DurationAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if d <= 0 {
				diags = append(diags, cfg.AttrError(attr, "Invalid timeout", "timeout must be longer than zero."))
			}
			s.timeout = d
		}
	}
	if attr, ok := attrs["recheck"]; ok {
		d, ds := cfg.DurationAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if d < 100*time.Millisecond {
				diags = append(diags, cfg.AttrError(attr, "Invalid recheck", "recheck must be at least 100ms."))
			}
			s.recheck = d
		}
	}
	if attr, ok := attrs["max_result_bytes"]; ok {
		n, ds := cfg.SizeAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			s.maxBytes = n
		}
	}

	diags = append(diags, s.decodeExposeAll(attrs, src)...)

	seen := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		if first, dup := seen[b.Type]; dup {
			r := b.DefRange
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate " + b.Type + " block",
				Detail: fmt.Sprintf("A source has at most one %s block; the first is at %s.", b.Type, cfg.Pos(first)), Subject: &r})
			continue
		}
		seen[b.Type] = b.DefRange
		switch b.Type {
		case "retry":
			diags = append(diags, resilience.DecodeRetry(b, src.Ctx, &s.retry, false)...)
		case "circuit_breaker":
			diags = append(diags, resilience.DecodeBreaker(b, src.Ctx, &s.breakerAt)...)
		case "oauth":
			diags = append(diags, s.decodeOAuth(b, src.Ctx)...)
			r := b.DefRange
			switch {
			case !hasURL:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "oauth without url",
					Detail: "An OAuth token is sent over HTTP: set url, or pass credentials to a subprocess in env.", Subject: &r})
			case s.headers["Authorization"] != "":
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Two credentials",
					Detail: "headers set Authorization and the oauth block would replace it: keep one.", Subject: &r})
			}
		}
	}
	return s, diags
}

func (s *Source) decodeURL(attr *hcl.Attribute, ctx *hcl.EvalContext) hcl.Diagnostics {
	v, diags := cfg.StringAttr(attr, ctx)
	if diags.HasErrors() {
		return diags
	}
	bad := func(why string) hcl.Diagnostics {
		return append(diags, cfg.AttrError(attr, "Invalid url", "%s", why))
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return bad("url is not a URL: write it as https://host[:port]/path, the upstream's MCP endpoint.")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("url must start with http:// or https://.")
	case u.Hostname() == "":
		return bad("url must name a host.")
	case u.User != nil:
		return bad("url must not carry credentials; send them in headers, which are never shown to clients.")
	case u.Fragment != "":
		return bad("url must not have a fragment.")
	}
	s.url, s.urlText = v, cfg.WrittenString(attr, ctx)
	return diags
}

// headerName is an HTTP token (RFC 9110, section 5.6.2).
var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// reservedHeaders are the transport's own: the HTTP client's framing and
// the MCP session and version headers.
var reservedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true, "Upgrade": true,
	"Te": true, "Trailer": true, "Keep-Alive": true, "Proxy-Connection": true, "Content-Type": true, "Accept": true,
	"Mcp-Session-Id": true, "Mcp-Protocol-Version": true, "Last-Event-Id": true,
}

func (s *Source) decodeHeaders(attr *hcl.Attribute, ctx *hcl.EvalContext) hcl.Diagnostics {
	values, diags := stringMap(attr, ctx, `headers must be a map of header names to strings, such as { Authorization = "Bearer ${env("CRM_TOKEN")}" }.`)
	for _, name := range sortedKeys(values) {
		canon := http.CanonicalHeaderKey(name)
		val := strings.TrimRight(values[name], "\r\n") // a file() secret usually ends in a newline
		switch {
		case !headerName.MatchString(name):
			diags = append(diags, cfg.AttrError(attr, "Invalid header name", "%q is not a valid HTTP header name.", name))
		case reservedHeaders[canon]:
			diags = append(diags, cfg.AttrError(attr, "Reserved header", "%s is set by the MCP transport itself and cannot be configured.", canon))
		case s.headers[canon] != "":
			diags = append(diags, cfg.AttrError(attr, "Duplicate header", "%s is set twice (header names are case-insensitive).", canon))
		case strings.ContainsFunc(val, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }):
			// Never echo the value: it is usually a credential.
			diags = append(diags, cfg.AttrError(attr, "Invalid header value",
				"The value of header %s contains a line break or another control character.", canon))
		default:
			s.headers[canon] = val
		}
	}
	return diags
}

// envName is a portable environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// inheritedEnv are the only variables a subprocess inherits from ours:
// what programs need to run at all. Everything else (our own secrets
// among it) reaches it only when the env attribute says so.
var inheritedEnv = []string{"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ"}

func (s *Source) decodeEnv(attr *hcl.Attribute, ctx *hcl.EvalContext) hcl.Diagnostics {
	values, diags := stringMap(attr, ctx, `env must be a map of variable names to strings, such as { CRM_TOKEN = env("CRM_TOKEN") }.`)
	for _, name := range sortedKeys(values) {
		if !envName.MatchString(name) {
			diags = append(diags, cfg.AttrError(attr, "Invalid variable name", "%q is not a valid environment variable name.", name))
			continue
		}
		s.env = append(s.env, name+"="+values[name])
	}
	return diags
}

func stringMap(attr *hcl.Attribute, ctx *hcl.EvalContext, usage string) (map[string]string, hcl.Diagnostics) {
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	v, _ = v.UnmarkDeep() // the values go upstream, never to a client
	if v.IsNull() || !v.IsWhollyKnown() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return nil, append(diags, cfg.AttrError(attr, "Invalid "+attr.Name, "%s", usage))
	}
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			diags = append(diags, cfg.AttrError(attr, "Invalid "+attr.Name, "The value of %s must be a string.", k.AsString()))
			continue
		}
		out[k.AsString()] = e.AsString()
	}
	return out, diags
}

func stringList(attr *hcl.Attribute, ctx *hcl.EvalContext) ([]string, hcl.Diagnostics) {
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	v, _ = v.UnmarkDeep()
	bad := func() ([]string, hcl.Diagnostics) {
		return nil, append(diags, cfg.AttrError(attr, "Invalid "+attr.Name, "%s must be a list of strings, such as [\"--read-only\"].", attr.Name))
	}
	if v.IsNull() || !v.IsWhollyKnown() || !(v.Type().IsTupleType() || v.Type().IsListType()) {
		return bad()
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			return bad()
		}
		out = append(out, e.AsString())
	}
	return out, diags
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
