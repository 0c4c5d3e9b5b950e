package hcl

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Auth is the auth block: who callers are. Over HTTP a caller proves it
// with a JWT bearer token minted by an external authorization server or
// with an API key; over stdio the operating system is the boundary and
// every call runs as the Stdio principal.
//
// When an auth block is declared, a tool without a guard (and no server
// default guard) is callable by nobody: access is always written down.
type Auth struct {
	// Resource is the canonical URL of this server's MCP endpoint: the
	// audience a token must be minted for (RFC 8707) and the resource named
	// in the protected resource metadata (RFC 9728).
	Resource      string
	ResourceRange hcl.Range // where resource is written, for the serving policy
	// Scopes are the scopes this server understands, advertised in the
	// protected resource metadata.
	Scopes []string
	// RequiredScopes are needed for any HTTP request at all; a valid token
	// without them is answered 403 insufficient_scope.
	RequiredScopes []string
	// AuthorizationServers are advertised in the metadata; by default the
	// JWT issuer.
	AuthorizationServers []string

	JWT     *JWT      // nil: no bearer tokens
	APIKeys []*APIKey // empty: no API keys
	Stdio   *PrincipalDecl

	DeclRange hcl.Range
}

// HTTPCredentials reports whether HTTP callers have any way to
// authenticate.
func (a *Auth) HTTPCredentials() bool {
	return a != nil && (a.JWT != nil || len(a.APIKeys) > 0)
}

// JWT is the jwt block: bearer tokens from an external authorization
// server. The server validates them; it never issues any.
type JWT struct {
	Issuer     string
	JWKSURL    string
	Algorithms []string // allow-list
	Leeway     time.Duration
	ScopeClaim string // "scope", "scp" or "" for either

	DeclRange hcl.Range
}

// APIKey is an `api_key "NAME"` block: a service caller's key, known only by
// its SHA-256 hash, and the principal it stands for.
type APIKey struct {
	Name      string
	Hash      string // "sha256:<64 hex digits>"
	Principal PrincipalDecl

	DeclRange hcl.Range
	HashRange hcl.Range
}

// PrincipalDecl is a principal written in the configuration (an API key's,
// or the stdio caller's). Claims hold JSON-like values: string, float64,
// bool, []any and map[string]any.
type PrincipalDecl struct {
	Subject string
	Scopes  []string
	Claims  map[string]any
}

// Algorithms a JWT may be signed with. Symmetric algorithms are absent on
// purpose: a shared secret would let anyone who verifies tokens mint them,
// and accepting HS* next to RS* is the classic key-confusion attack.
var jwtAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

var defaultJWTAlgorithms = []string{"RS256", "ES256"}

var (
	keyHashRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	scopeRe   = regexp.MustCompile(`^[\x21\x23-\x5b\x5d-\x7e]+$`) // RFC 6749 scope-token
)

var authSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "resource"},
		{Name: "scopes"},
		{Name: "required_scopes"},
		{Name: "authorization_servers"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "jwt"},
		{Type: "api_key", LabelNames: []string{"name"}},
		{Type: "stdio"},
	},
}

func decodeAuthBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Auth, hcl.Diagnostics) {
	a := &Auth{DeclRange: block.DefRange}
	content, diags := block.Body.Content(authSchema)
	attrs := content.Attributes

	var resourceAttr *hcl.Attribute
	if attr, ok := attrs["resource"]; ok {
		resourceAttr = attr
		a.ResourceRange = attr.Expr.Range()
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if problem := checkResourceURL(v, QuoteUnlessSecret(attr, ctx, v)); problem != "" {
				diags = append(diags, AttrError(attr, "Invalid resource", "resource %s.", problem))
			}
			a.Resource = v
		}
	}
	a.Scopes = scopeList(attrs["scopes"], ctx, &diags)
	a.RequiredScopes = scopeList(attrs["required_scopes"], ctx, &diags)
	if attr, ok := attrs["authorization_servers"]; ok {
		a.AuthorizationServers = stringList(attr, ctx, &diags)
		for i, s := range a.AuthorizationServers {
			if problem := checkIssuerURL(s, quoteElement(attr, ctx, i, s)); problem != "" {
				diags = append(diags, AttrError(attr, "Invalid authorization server", "authorization_servers[%d] %s.", i, problem))
			}
		}
	}

	keys := map[string]hcl.Range{}
	hashes := map[string]string{}
	var stdioAt hcl.Range
	for _, b := range content.Blocks {
		switch b.Type {
		case "jwt":
			j, d := decodeJWTBlock(b, ctx)
			diags = append(diags, d...)
			diags = append(diags, setOnce(&a.JWT, j, "A jwt", b.DefRange, func(j *JWT) hcl.Range { return j.DeclRange })...)
		case "api_key":
			k, d := decodeAPIKeyBlock(b, ctx)
			diags = append(diags, d...)
			if prev, dup := keys[k.Name]; dup {
				diags = append(diags, duplicateDiag("Duplicate api_key",
					fmt.Sprintf("api_key %q is already declared at %s.", k.Name, pos(prev)), k.DeclRange))
				continue
			}
			keys[k.Name] = k.DeclRange
			if k.Hash != "" {
				if other, dup := hashes[k.Hash]; dup {
					diags = append(diags, duplicateDiag("Duplicate API key hash",
						fmt.Sprintf("api_key %q has the same hash as api_key %q at %s: one key would stand for two principals.", k.Name, other, pos(keys[other])), k.HashRange))
					continue
				}
				hashes[k.Hash] = k.Name
			}
			a.APIKeys = append(a.APIKeys, k)
		case "stdio":
			if a.Stdio != nil {
				diags = append(diags, duplicateDiag("Duplicate stdio block",
					fmt.Sprintf("The stdio principal is already declared at %s; there can be only one.", pos(stdioAt)), b.DefRange))
				continue
			}
			stdioAt = b.DefRange
			p, d := decodePrincipal(b.Body, ctx)
			diags = append(diags, d...)
			a.Stdio = p
		}
	}

	if a.JWT != nil {
		if a.Resource == "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing resource",
				Detail:   "With a jwt block, the auth block needs resource: this server's canonical URL (such as \"https://mcp.example.com/mcp\"), which tokens must name as their audience.",
				Subject:  block.DefRange.Ptr(),
			})
		}
		if len(a.AuthorizationServers) == 0 && a.JWT.Issuer != "" {
			a.AuthorizationServers = []string{a.JWT.Issuer}
		}
	}
	if resourceAttr != nil && !a.HTTPCredentials() {
		diags = append(diags, AttrError(resourceAttr, "Resource without credentials",
			"resource is only used with a jwt block or api_key blocks; without them no HTTP caller can authenticate."))
	}
	return a, diags
}

var jwtSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "issuer", Required: true},
		{Name: "jwks_url", Required: true},
		{Name: "algorithms"},
		{Name: "leeway"},
		{Name: "scope_claim"},
	},
}

func decodeJWTBlock(block *hcl.Block, ctx *hcl.EvalContext) (*JWT, hcl.Diagnostics) {
	j := &JWT{Algorithms: defaultJWTAlgorithms, Leeway: 30 * time.Second, DeclRange: block.DefRange}
	content, diags := block.Body.Content(jwtSchema)
	attrs := content.Attributes
	if attr, ok := attrs["issuer"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if problem := checkIssuerURL(v, QuoteUnlessSecret(attr, ctx, v)); problem != "" {
				diags = append(diags, AttrError(attr, "Invalid issuer", "issuer %s.", problem))
			}
			j.Issuer = v
		}
	}
	if attr, ok := attrs["jwks_url"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if problem := checkIssuerURL(v, QuoteUnlessSecret(attr, ctx, v)); problem != "" {
				diags = append(diags, AttrError(attr, "Invalid jwks_url", "jwks_url %s.", problem))
			}
			j.JWKSURL = v
		}
	}
	if attr, ok := attrs["algorithms"]; ok {
		algs := stringList(attr, ctx, &diags)
		for i, alg := range algs {
			if !slices.Contains(jwtAlgorithms, alg) {
				why := "it is not a signature algorithm mcpgen accepts"
				switch {
				case strings.EqualFold(alg, "none"):
					why = "unsigned tokens prove nothing"
				case strings.HasPrefix(strings.ToUpper(alg), "HS"):
					why = "a shared secret lets every verifier mint tokens, and mixing HMAC with public keys invites key confusion"
				}
				diags = append(diags, AttrError(attr, "Algorithm not allowed",
					"%s cannot be used: %s. Use some of %s.", quoteElement(attr, ctx, i, alg), why, quoted(jwtAlgorithms)))
			}
		}
		if len(algs) == 0 && !diags.HasErrors() {
			diags = append(diags, AttrError(attr, "No algorithms", "algorithms must name at least one algorithm."))
		}
		j.Algorithms = algs
	}
	if attr, ok := attrs["leeway"]; ok {
		v, d := DurationAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && v > 5*time.Minute {
			diags = append(diags, AttrError(attr, "Leeway too long", "leeway is for clock skew; more than 5m would keep expired tokens alive."))
		}
		j.Leeway = v
	}
	if attr, ok := attrs["scope_claim"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && v != "scope" && v != "scp" {
			diags = append(diags, AttrError(attr, "Invalid scope_claim",
				"scope_claim must be \"scope\" (a space-separated string, RFC 8693) or \"scp\" (an array), not %s.", QuoteUnlessSecret(attr, ctx, v)))
		}
		j.ScopeClaim = v
	}
	return j, diags
}

var apiKeySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "hash", Required: true}},
}

func decodeAPIKeyBlock(block *hcl.Block, ctx *hcl.EvalContext) (*APIKey, hcl.Diagnostics) {
	k := &APIKey{Name: block.Labels[0], DeclRange: block.DefRange}
	var diags hcl.Diagnostics
	if d := checkIdentifier("api_key name", k.Name, block.LabelRanges[0]); d != nil {
		diags = append(diags, d)
	}
	content, remain, d := block.Body.PartialContent(apiKeySchema)
	diags = append(diags, d...)
	if attr, ok := content.Attributes["hash"]; ok {
		k.HashRange = attr.Expr.Range()
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if keyHashRe.MatchString(v) {
				k.Hash = v
			} else {
				diags = append(diags, AttrError(attr, "Invalid API key hash",
					"hash must be \"sha256:\" followed by 64 lowercase hex digits, as `mcpgen apikey` prints; never the key itself."))
			}
		}
	}
	p, d := decodePrincipal(remain, ctx)
	diags = append(diags, d...)
	if p != nil {
		k.Principal = *p
	}
	return k, diags
}

var principalSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "subject", Required: true},
		{Name: "scopes"},
		{Name: "claims"},
	},
}

// decodePrincipal reads subject, scopes and claims from body.
func decodePrincipal(body hcl.Body, ctx *hcl.EvalContext) (*PrincipalDecl, hcl.Diagnostics) {
	p := &PrincipalDecl{}
	content, diags := body.Content(principalSchema)
	attrs := content.Attributes
	if attr, ok := attrs["subject"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && strings.TrimSpace(v) == "" {
			diags = append(diags, AttrError(attr, "Invalid subject", "subject must not be empty: audit records name callers by it."))
		}
		p.Subject = v
	}
	p.Scopes = scopeList(attrs["scopes"], ctx, &diags)
	if attr, ok := attrs["claims"]; ok {
		val, d := evalAttr(attr, ctx, false)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if !val.Type().IsObjectType() && !val.Type().IsMapType() {
				diags = append(diags, AttrError(attr, "Incorrect attribute value type",
					"claims must be an object such as { org = \"acme\" }, not %s.", withArticle(val.Type().FriendlyName())))
			} else if claims, err := claimValue(val); err != nil {
				diags = append(diags, AttrError(attr, "Invalid claims", "claims %s.", err))
			} else {
				p.Claims = claims.(map[string]any)
			}
		}
	}
	return p, diags
}

// claimValue converts a value to what a JSON token's claims decode to, so
// that a guard sees API-key and JWT principals alike.
func claimValue(v cty.Value) (any, error) {
	ty := v.Type()
	switch {
	case v.IsNull():
		return nil, nil
	case ty == cty.String:
		return v.AsString(), nil
	case ty == cty.Bool:
		return v.True(), nil
	case ty == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f, nil
	case ty.IsObjectType() || ty.IsMapType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			c, err := claimValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.AsString(), err)
			}
			out[k.AsString()] = c
		}
		return out, nil
	case ty.IsTupleType() || ty.IsListType() || ty.IsSetType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			c, err := claimValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot hold %s", withArticle(ty.FriendlyName()))
}

// stringList evaluates attr to a list of strings.
func stringList(attr *hcl.Attribute, ctx *hcl.EvalContext, diags *hcl.Diagnostics) []string {
	val, d := evalAttr(attr, ctx, false)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return nil
	}
	ty := val.Type()
	if !ty.IsTupleType() && !ty.IsListType() {
		*diags = append(*diags, AttrError(attr, "Incorrect attribute value type",
			"%s must be a list of strings, not %s.", attr.Name, withArticle(ty.FriendlyName())))
		return nil
	}
	out := []string{}
	for it := val.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() != cty.String || e.IsNull() {
			*diags = append(*diags, AttrError(attr, "Incorrect attribute value type",
				"%s must be a list of strings; it holds %s.", attr.Name, withArticle(e.Type().FriendlyName())))
			return nil
		}
		out = append(out, e.AsString())
	}
	return out
}

// scopeList evaluates an optional list of OAuth scope names.
func scopeList(attr *hcl.Attribute, ctx *hcl.EvalContext, diags *hcl.Diagnostics) []string {
	if attr == nil {
		return nil
	}
	scopes := stringList(attr, ctx, diags)
	for i, s := range scopes {
		if !scopeRe.MatchString(s) {
			*diags = append(*diags, AttrError(attr, "Invalid scope",
				"%s is not a scope name: scopes are printable ASCII without spaces, quotes or backslashes.", quoteElement(attr, ctx, i, s)))
		}
	}
	return scopes
}

// checkResourceURL says what is wrong with a resource identifier (RFC 8707:
// an absolute URI without a fragment), or "". shown is s as a diagnostic
// may show it: quoted, or a placeholder when s came from env().
func checkResourceURL(s, shown string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "":
		return fmt.Sprintf("must be an absolute URL such as \"https://mcp.example.com/mcp\", not %s", shown)
	case u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname())):
		return fmt.Sprintf("must use https (http is allowed for loopback hosts only), not %s", shown)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "must not have a fragment"
	}
	return ""
}

// checkIssuerURL is checkResourceURL for an authorization server's URLs,
// which may also not carry a query.
func checkIssuerURL(s, shown string) string {
	if problem := checkResourceURL(s, shown); problem != "" {
		return problem
	}
	if u, _ := url.Parse(s); u.RawQuery != "" {
		return "must not have a query"
	}
	return ""
}

// quoteElement is QuoteUnlessSecret for element i of a list attribute:
// an element from env() is a secret even when its neighbours are not.
func quoteElement(attr *hcl.Attribute, ctx *hcl.EvalContext, i int, v string) string {
	val, _ := attr.Expr.Value(ctx)
	if val.IsMarked() {
		return "the value from env()"
	}
	if ty := val.Type(); (ty.IsListType() || ty.IsTupleType()) && val.IsKnown() && !val.IsNull() && i < val.LengthInt() {
		if val.Index(cty.NumberIntVal(int64(i))).ContainsMarked() {
			return "the value from env()"
		}
	}
	return strconv.Quote(v)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	return strings.HasPrefix(host, "127.") || host == "::1"
}
