package hcl

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Limits is the limits block: where rate limit buckets live, the rate limit
// every tool gets unless it declares its own, and the limit on HTTP
// requests before any tool runs. It is never nil after Load: without a
// block, buckets are in memory and nothing is limited.
type Limits struct {
	Backend      string // "memory" or "redis"
	RedisURL     string // for "redis"; usually from env(), a secret
	OnRedisError string // "deny" (the default) or "allow" when Redis does not answer
	MaxKeys      int    // memory: buckets kept; idle ones are forgotten first

	RateLimit     *RateLimit // the default for every tool; nil: none
	HTTPRateLimit *RateLimit // per client, per HTTP request; nil: none

	DeclRange hcl.Range
}

// Rate limit keys: which calls share a bucket.
const (
	KeyPrincipal = "principal" // one bucket per caller, per tool
	KeyTool      = "tool"      // one bucket per tool
	KeyGlobal    = "global"    // one bucket for every tool the block applies to
	KeyClient    = "client"    // http_rate_limit: one bucket per client
)

// RateLimit is a rate_limit (or http_rate_limit) block: a token bucket of
// Burst tokens refilled at Rate per Per.
type RateLimit struct {
	Rate  int
	Per   time.Duration
	Burst int
	// Key is one of the Key constants; KeyExpr is set instead when key is
	// a CEL expression over principal, request and args (one bucket per
	// value, per tool).
	Key     string
	KeyExpr *Expr

	DeclRange hcl.Range
}

const defaultMaxKeys = 100_000

// DefaultLimits is used when no limits block is declared.
func DefaultLimits() *Limits {
	return &Limits{Backend: "memory", OnRedisError: "deny", MaxKeys: defaultMaxKeys}
}

var limitsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "backend"},
		{Name: "redis_url"},
		{Name: "on_redis_error"},
		{Name: "max_keys"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "rate_limit"},
		{Type: "http_rate_limit"},
	},
}

func decodeLimitsBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Limits, hcl.Diagnostics) {
	l := DefaultLimits()
	l.DeclRange = block.DefRange
	content, diags := block.Body.Content(limitsSchema)
	attrs := content.Attributes
	backendOK := true
	if attr, ok := attrs["backend"]; ok {
		var v string
		if v, backendOK = oneOfAttr(attr, ctx, &diags, "memory", "redis"); backendOK {
			l.Backend = v
		}
	}
	if attr, ok := attrs["on_redis_error"]; ok {
		if v, ok := oneOfAttr(attr, ctx, &diags, "deny", "allow"); ok {
			l.OnRedisError = v
		}
	}
	if attr, ok := attrs["redis_url"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && v == "" {
			diags = append(diags, AttrError(attr, "Invalid value", "redis_url must not be empty."))
		}
		l.RedisURL = v
	}
	if attr, ok := attrs["max_keys"]; ok {
		n, d := IntAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && n < 1 {
			diags = append(diags, AttrError(attr, "Invalid value", "max_keys must be at least 1."))
		}
		l.MaxKeys = n
	}
	onlyFor := func(name, backend string) {
		if attr, ok := attrs[name]; ok && l.Backend != backend {
			diags = append(diags, AttrError(attr, "Unused limits setting",
				"%s applies to backend = %q only.", name, backend))
		}
	}
	switch {
	case !backendOK: // which settings apply is unknown
	case l.Backend == "redis":
		if _, ok := attrs["redis_url"]; !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing redis_url",
				Detail: `A limits block with backend = "redis" needs a redis_url, such as env("REDIS_URL").`, Subject: l.DeclRange.Ptr()})
		}
		onlyFor("max_keys", "memory")
	default:
		onlyFor("redis_url", "redis")
		onlyFor("on_redis_error", "redis")
	}

	for _, b := range content.Blocks {
		dst := &l.RateLimit
		if b.Type == "http_rate_limit" {
			dst = &l.HTTPRateLimit
		}
		rl, d := decodeRateLimitBlock(b, ctx)
		diags = append(diags, d...)
		diags = append(diags, setOnce(dst, rl, "A "+b.Type, b.DefRange, rateLimitRange)...)
	}
	return l, diags
}

var (
	rateLimitSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "rate", Required: true},
			{Name: "burst"},
			{Name: "key"},
		},
	}
	httpRateLimitSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "rate", Required: true},
			{Name: "burst"},
		},
	}
)

// decodeRateLimitBlock decodes rate_limit and http_rate_limit (which has no
// key: it runs before authentication, so HTTP requests are told apart by
// client address only).
func decodeRateLimitBlock(block *hcl.Block, ctx *hcl.EvalContext) (*RateLimit, hcl.Diagnostics) {
	rl := &RateLimit{Key: KeyPrincipal, DeclRange: block.DefRange}
	schema := rateLimitSchema
	if block.Type == "http_rate_limit" {
		schema, rl.Key = httpRateLimitSchema, KeyClient
	}
	content, diags := block.Body.Content(schema)
	if attr, ok := content.Attributes["rate"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			n, per, err := parseRate(v)
			if err != nil {
				diags = append(diags, AttrError(attr, "Invalid rate", "rate must be a number of calls per unit such as \"10/s\", \"600/m\" or \"5/10s\": %s.", err))
			}
			rl.Rate, rl.Per = n, per
		}
	}
	rl.Burst = rl.Rate // a bucket holds one unit's worth unless told otherwise
	if attr, ok := content.Attributes["burst"]; ok {
		n, d := IntAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && n < 1 {
			diags = append(diags, AttrError(attr, "Invalid value", "burst must be at least 1."))
		}
		rl.Burst = n
	}
	if attr, ok := content.Attributes["key"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		switch {
		case d.HasErrors():
		case v == "":
			diags = append(diags, AttrError(attr, "Empty expression",
				`key must be "principal", "tool", "global" or a CEL expression, not an empty string.`))
		case v == KeyPrincipal || v == KeyTool || v == KeyGlobal:
			rl.Key = v
		default:
			rl.Key, rl.KeyExpr = "", &Expr{Source: v, Range: attr.Expr.Range()}
		}
	}
	return rl, diags
}

var rateRe = regexp.MustCompile(`^\s*([0-9]+)\s*/\s*(\S+)\s*$`)

// parseRate reads "10/s", "600/m", "1000/h" or "5/10s".
func parseRate(s string) (int, time.Duration, error) {
	m := rateRe.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf("%q is not COUNT/UNIT", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 0, 0, fmt.Errorf("the count in %q must be a whole number of at least 1", s)
	}
	per, ok := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[m[2]]
	if !ok {
		per, err = time.ParseDuration(m[2])
		if err != nil || per <= 0 {
			return 0, 0, fmt.Errorf("the unit in %q must be s, m, h or a duration such as 10s", s)
		}
	}
	if per/time.Duration(n) <= 0 {
		return 0, 0, fmt.Errorf("%q is faster than one call per nanosecond", s)
	}
	return n, per, nil
}

// oneOfAttr evaluates attr to one of the allowed strings, appending a
// diagnostic to diags otherwise.
func oneOfAttr(attr *hcl.Attribute, ctx *hcl.EvalContext, diags *hcl.Diagnostics, allowed ...string) (string, bool) {
	v, d := StringAttr(attr, ctx)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return "", false
	}
	for _, a := range allowed {
		if v == a {
			return v, true
		}
	}
	*diags = append(*diags, AttrError(attr, "Invalid value", "%s must be one of %s, not %q.", attr.Name, quoted(allowed), v))
	return "", false
}

var toolLimitsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "max_concurrency"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "rate_limit"},
		{Type: "cache"},
	},
}

// decodeToolLimits takes rate_limit, cache and max_concurrency out of a
// tool's remaining body before its adapter sees it.
func rateLimitRange(r *RateLimit) hcl.Range { return r.DeclRange }

func decodeToolLimits(tool *Tool, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, remain, diags := tool.Body.PartialContent(toolLimitsSchema)
	tool.Body = remain
	if attr, ok := content.Attributes["max_concurrency"]; ok {
		tool.MaxConcurrency = maxConcurrencyAttr(attr, ctx, &diags)
	}
	for _, b := range content.Blocks {
		switch b.Type {
		case "rate_limit":
			rl, d := decodeRateLimitBlock(b, ctx)
			diags = append(diags, d...)
			diags = append(diags, setOnce(&tool.RateLimit, rl, "A rate_limit", b.DefRange, rateLimitRange)...)
		case "cache":
			c, d := decodeCacheBlock(b, ctx, tool.ReadOnly)
			diags = append(diags, d...)
			diags = append(diags, setOnce(&tool.Cache, c, "A cache", b.DefRange, func(c *Cache) hcl.Range { return c.DeclRange })...)
		}
	}
	return diags
}

var sourceLimitsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "max_concurrency"}},
}

// decodeSourceLimits takes max_concurrency, the one setting every source
// has, out of the body before the adapter decodes the rest: the adapter's
// own schema never needs to know it.
func decodeSourceLimits(source *Source, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, remain, diags := source.Body.PartialContent(sourceLimitsSchema)
	source.Body = remain
	if attr, ok := content.Attributes["max_concurrency"]; ok {
		source.MaxConcurrency = maxConcurrencyAttr(attr, ctx, &diags)
	}
	return diags
}

func maxConcurrencyAttr(attr *hcl.Attribute, ctx *hcl.EvalContext, diags *hcl.Diagnostics) int {
	n, d := IntAttr(attr, ctx)
	*diags = append(*diags, d...)
	if !d.HasErrors() && n < 1 {
		*diags = append(*diags, AttrError(attr, "Invalid value", "max_concurrency must be at least 1."))
		return 0
	}
	return n
}
