package http

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mcpgen/mcpgen/adapters/internal/resilience"
	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

func init() {
	adapter.Register("http", &Adapter{})
}

var (
	_ adapter.Adapter             = (*Adapter)(nil)
	_ adapter.Source              = (*Source)(nil)
	_ adapter.Tool                = (*Tool)(nil)
	_ adapter.Describer           = (*Tool)(nil)
	_ adapter.BreakerStatser      = (*Source)(nil)
	_ adapter.RequiredByDefaulter = (*Source)(nil)
)

// Adapter decodes `source "http"` blocks.
type Adapter struct{}

// Defaults. A source without a retry block makes one attempt; one without
// a circuit_breaker block still has a breaker (resilience's defaults,
// shared with MCP sources).
const (
	defaultTimeout       = 10 * time.Second
	defaultMaxResponse   = 1 << 20
	defaultJitter        = 0.5
	maxRedirects         = 5
	defaultIdleConnsHost = 64
)

// defaultRetryStatuses are the answers that say "try again": the gateway
// and overload statuses. 500 is left out by default: it is as often a bug
// that fails the same way every time.
var defaultRetryStatuses = []int{502, 503, 504}

// defaultRetry is a source without a retry block; a block overrides what
// it sets (resilience.DecodeRetry).
func defaultRetry() resilience.Retry {
	r := resilience.NoRetry()
	r.Jitter, r.Statuses = defaultJitter, resilience.StatusSet(defaultRetryStatuses...)
	return r
}

type redirectPolicy int

const (
	redirectNone redirectPolicy = iota
	redirectSameHost
)

type tlsSettings struct {
	caFile, certFile, keyFile string
	minVersion                uint16
	ranges                    map[string]hcl.Range
}

// Source is one `source "http"` block: its settings after DecodeSource, its
// client and breaker after Open.
type Source struct {
	name      string
	baseURL   string // as a reviewer reads it (cfg.WrittenString), for Describe
	base      *url.URL
	basePath  string // base.Path, ending in "/"
	headers   http.Header
	timeout   time.Duration
	tls       tlsSettings
	maxBytes  int64
	retry     resilience.Retry
	breakerAt resilience.BreakerSettings
	redirects redirectPolicy
	pingPath  string
	declRange hcl.Range

	// Set at decode: every configured header value, for scrubbing.
	scrub scrubber
	// Set by Open.
	client  *http.Client
	breaker *resilience.Breaker
	// now and jitter are the clock and randomness; tests replace them.
	now    func() time.Time
	random func() float64
}

var sourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "base_url", Required: true},
		{Name: "headers"},
		{Name: "timeout"},
		{Name: "max_response_bytes"},
		{Name: "redirects"},
		{Name: "ping_path"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "tls"},
		{Type: "retry"},
		{Type: "circuit_breaker"},
	},
}

var tlsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "ca_file"}, {Name: "cert_file"}, {Name: "key_file"}, {Name: "min_version"}},
}

// DecodeSource decodes the body of a `source "http"` block. It does no I/O:
// TLS files are read by Open.
func (a *Adapter) DecodeSource(src *cfg.Source) (adapter.Source, hcl.Diagnostics) {
	s := &Source{
		name:      src.Name,
		headers:   http.Header{},
		timeout:   defaultTimeout,
		maxBytes:  defaultMaxResponse,
		retry:     defaultRetry(),
		breakerAt: resilience.DefaultBreaker(),
		declRange: src.DeclRange,
		now:       time.Now,
	}
	content, diags := src.Body.Content(sourceSchema)
	attrs := content.Attributes

	if attr, ok := attrs["base_url"]; ok {
		diags = append(diags, s.decodeBaseURL(attr, src.Ctx)...)
	}
	if attr, ok := attrs["headers"]; ok {
		diags = append(diags, s.decodeHeaders(attr, src.Ctx)...)
	}
	if attr, ok := attrs["timeout"]; ok {
		d, ds := cfg.DurationAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if d == 0 {
				diags = append(diags, cfg.AttrError(attr, "Invalid timeout", "timeout must be longer than zero."))
			}
			s.timeout = d
		}
	}
	if attr, ok := attrs["max_response_bytes"]; ok {
		n, ds := cfg.SizeAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			s.maxBytes = n
		}
	}
	if attr, ok := attrs["redirects"]; ok {
		v, ds := cfg.StringAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		switch {
		case ds.HasErrors():
		case v == "none":
			s.redirects = redirectNone
		case v == "same_host":
			s.redirects = redirectSameHost
		default:
			diags = append(diags, cfg.AttrError(attr, "Invalid redirect policy",
				"redirects must be \"none\" or \"same_host\", not %s.", cfg.QuoteUnlessSecret(attr, src.Ctx, v)))
		}
	}
	if attr, ok := attrs["ping_path"]; ok {
		v, ds := cfg.StringAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, "?#\r\n") {
				diags = append(diags, cfg.AttrError(attr, "Invalid ping_path",
					"ping_path must be a path starting with / (no query), relative to base_url."))
			}
			s.pingPath = v
		}
	}

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
		case "tls":
			diags = append(diags, s.decodeTLS(b, src)...)
		case "retry":
			diags = append(diags, resilience.DecodeRetry(b, src.Ctx, &s.retry, true)...)
		case "circuit_breaker":
			diags = append(diags, resilience.DecodeBreaker(b, src.Ctx, &s.breakerAt)...)
		}
	}
	if s.base != nil && s.base.Scheme == "http" && s.tls.ranges != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "TLS settings on a plain HTTP source",
			Detail: "base_url is http://, so the tls block would never be used; use https:// or remove it.", Subject: seen["tls"].Ptr()})
	}

	values := make([]string, 0, len(s.headers))
	for _, vs := range s.headers {
		values = append(values, vs...)
	}
	s.scrub = newScrubber(values)
	return s, diags
}

func (s *Source) decodeBaseURL(attr *hcl.Attribute, ctx *hcl.EvalContext) hcl.Diagnostics {
	v, diags := cfg.StringAttr(attr, ctx)
	if diags.HasErrors() {
		return diags
	}
	bad := func(why string) hcl.Diagnostics {
		return append(diags, cfg.AttrError(attr, "Invalid base_url", "%s", why))
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return bad("base_url is not a URL: write it as https://host[:port][/path].")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("base_url must start with http:// or https://.")
	case u.Host == "" || u.Hostname() == "":
		return bad("base_url must name a host.")
	case u.User != nil:
		return bad("base_url must not carry credentials; send them in headers, which are never shown to clients.")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return bad("base_url must not have a query or a fragment; tools add query parameters with a query block.")
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return bad("base_url must not contain . or .. path segments.")
		}
	}
	s.baseURL, s.base = cfg.WrittenString(attr, ctx), u
	s.basePath = u.Path
	if !strings.HasSuffix(s.basePath, "/") {
		s.basePath += "/"
	}
	return diags
}

// headerName is an HTTP token (RFC 9110, section 5.6.2).
var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// reservedHeaders are set by the HTTP client itself; a configured value
// would be ignored or would break the framing.
var reservedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Upgrade": true, "Te": true, "Trailer": true, "Keep-Alive": true, "Proxy-Connection": true,
}

func (s *Source) decodeHeaders(attr *hcl.Attribute, ctx *hcl.EvalContext) hcl.Diagnostics {
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.UnmarkDeep() // the values go to the upstream, never to a client
	if v.IsNull() || !v.IsWhollyKnown() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return append(diags, cfg.AttrError(attr, "Invalid headers",
			`headers must be a map of header names to strings, such as { Authorization = "Bearer ${env("TOKEN")}" }.`))
	}
	names := make([]string, 0, v.LengthInt())
	values := map[string]cty.Value{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		names = append(names, k.AsString())
		values[k.AsString()] = e
	}
	sort.Strings(names)
	for _, name := range names {
		e := values[name]
		canon := http.CanonicalHeaderKey(name)
		switch {
		case !headerName.MatchString(name):
			diags = append(diags, cfg.AttrError(attr, "Invalid header name", "%q is not a valid HTTP header name.", name))
			continue
		case reservedHeaders[canon]:
			diags = append(diags, cfg.AttrError(attr, "Reserved header", "%s is set by the HTTP client itself and cannot be configured.", canon))
			continue
		case s.headers.Get(canon) != "":
			diags = append(diags, cfg.AttrError(attr, "Duplicate header", "%s is set twice (header names are case-insensitive).", canon))
			continue
		case e.IsNull() || e.Type() != cty.String:
			diags = append(diags, cfg.AttrError(attr, "Invalid header value", "The value of header %s must be a string.", canon))
			continue
		}
		// A file() secret usually ends in a newline: that one is not part
		// of the value. Never echo the value: it is usually a credential.
		if val := strings.TrimRight(e.AsString(), "\r\n"); !validHeaderValue(val) {
			diags = append(diags, cfg.AttrError(attr, "Invalid header value",
				"The value of header %s contains a line break or another control character.", canon))
		} else {
			s.headers.Set(canon, val)
		}
	}
	return diags
}

// validHeaderValue refuses what could end the header early (CR, LF, NUL)
// or that no server accepts (other controls but tab).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func (s *Source) decodeTLS(b *hcl.Block, src *cfg.Source) hcl.Diagnostics {
	content, diags := b.Body.Content(tlsSchema)
	s.tls.ranges = map[string]hcl.Range{}
	// Paths are relative to the file that declares the source, like file().
	dir := filepath.Dir(src.DeclRange.Filename)
	path := func(name string, dst *string) {
		attr, ok := content.Attributes[name]
		if !ok {
			return
		}
		v, ds := cfg.StringAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		if ds.HasErrors() {
			return
		}
		if v == "" {
			diags = append(diags, cfg.AttrError(attr, "Empty path", "%s must name a file.", name))
			return
		}
		if !filepath.IsAbs(v) {
			v = filepath.Join(dir, v)
		}
		*dst = v
		s.tls.ranges[name] = attr.Expr.Range()
	}
	path("ca_file", &s.tls.caFile)
	path("cert_file", &s.tls.certFile)
	path("key_file", &s.tls.keyFile)
	if (s.tls.certFile == "") != (s.tls.keyFile == "") && !diags.HasErrors() {
		r := b.DefRange
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incomplete client certificate",
			Detail: "cert_file and key_file go together: set both or neither.", Subject: &r})
	}
	s.tls.minVersion = tls.VersionTLS12
	if attr, ok := content.Attributes["min_version"]; ok {
		v, ds := cfg.StringAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		switch {
		case ds.HasErrors():
		case v == "1.2":
		case v == "1.3":
			s.tls.minVersion = tls.VersionTLS13
		default:
			diags = append(diags, cfg.AttrError(attr, "Invalid TLS version",
				"min_version must be \"1.2\" or \"1.3\", not %s.", cfg.QuoteUnlessSecret(attr, src.Ctx, v)))
		}
	}
	return diags
}
