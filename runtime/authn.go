package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/auth"
)

// authn is a generation's authentication of HTTP callers, built from the
// auth block. Check builds it without I/O; Open starts fetching the
// issuer's keys.
type authn struct {
	decl    *cfg.Auth
	jwtOpts *auth.JWTOptions
	// jwt is the token validator with its cache of the issuer's keys,
	// started by open when jwtOpts is set; a reload with the same jwt
	// settings shares it (inheritAuthn).
	jwt *shared[*auth.JWT]
	// creds checks a request's credential: Keys are set by newAuthn, JWT
	// is jwt's. Built once, used by every request.
	creds auth.Authenticator
	// keyPrincipals are the principals of the API keys, by key name, made
	// once: a principal does not change, and its CEL value is then built
	// once per key rather than once per request.
	keyPrincipals map[string]*Principal

	// metadata is the RFC 9728 document, served at metadataPaths;
	// metadataURL is where clients are sent to find it.
	metadata      []byte
	metadataURL   string
	metadataPaths []string
}

// prmPath is where RFC 9728 puts protected resource metadata.
const prmPath = "/.well-known/oauth-protected-resource"

// newAuthn decodes the auth block into what a request needs. It returns
// nil when HTTP callers have no way to authenticate.
func newAuthn(a *cfg.Auth, serverName string) (*authn, hcl.Diagnostics) {
	if !a.HTTPCredentials() {
		return nil, nil
	}
	var diags hcl.Diagnostics
	n := &authn{decl: a}
	if len(a.APIKeys) > 0 {
		keys := make([]auth.APIKey, 0, len(a.APIKeys))
		for _, k := range a.APIKeys {
			h, err := auth.ParseKeyHash(k.Hash)
			if err != nil { // hcl checked the form; this is belt and braces
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid API key hash",
					Detail: err.Error(), Subject: k.HashRange.Ptr()})
				continue
			}
			p := k.Principal
			keys = append(keys, auth.APIKey{Name: k.Name, Hash: h,
				Identity: auth.Identity{Subject: p.Subject, Scopes: p.Scopes, Claims: p.Claims}})
			if n.keyPrincipals == nil {
				n.keyPrincipals = map[string]*Principal{}
			}
			n.keyPrincipals[k.Name] = &Principal{Subject: p.Subject, Scopes: p.Scopes, Claims: p.Claims}
		}
		set, err := auth.NewAPIKeys(keys)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid API keys",
				Detail: err.Error(), Subject: a.DeclRange.Ptr()})
		}
		n.creds.Keys = set
	}
	if j := a.JWT; j != nil {
		n.jwtOpts = &auth.JWTOptions{
			Issuer:     j.Issuer,
			Audience:   a.Resource,
			JWKSURL:    j.JWKSURL,
			Algorithms: j.Algorithms,
			Leeway:     j.Leeway,
			ScopeClaim: j.ScopeClaim,
		}
	}
	if a.Resource != "" {
		doc := map[string]any{
			"resource":                 a.Resource,
			"bearer_methods_supported": []string{"header"},
			"resource_name":            serverName,
		}
		if len(a.AuthorizationServers) > 0 {
			doc["authorization_servers"] = a.AuthorizationServers
		}
		if len(a.Scopes) > 0 {
			doc["scopes_supported"] = a.Scopes
		}
		n.metadata, _ = json.Marshal(doc)
		u, err := url.Parse(a.Resource)
		if err != nil {
			// hcl has reported it; a configuration with errors is
			// still checked, so that one run reports every mistake.
			return n, diags
		}
		// RFC 9728 §3.1: the well-known segment goes between the host
		// and the resource's path.
		path := strings.TrimSuffix(u.Path, "/")
		n.metadataURL = u.Scheme + "://" + u.Host + prmPath + path
		n.metadataPaths = []string{prmPath}
		if path != "" {
			n.metadataPaths = append(n.metadataPaths, prmPath+path)
		}
	}
	return n, diags
}

// open starts the JWT validator, which fetches the issuer's keys in the
// background until close.
func (n *authn) open() error {
	if n == nil || n.jwtOpts == nil {
		return nil
	}
	j, err := auth.NewJWT(context.Background(), *n.jwtOpts)
	if err != nil {
		return err
	}
	n.jwt = newShared(j, func(j *auth.JWT) error { j.Close(); return nil })
	n.creds.JWT = j
	return nil
}

func (n *authn) close() {
	if n != nil {
		_ = n.jwt.release()
	}
}

// inheritAuthn lets a generation built by a reload share prev's token
// validator when the jwt settings are the same, so that the issuer's keys
// and validated tokens carry over: a reload made while the issuer is
// unreachable does not turn every token away.
func (g *Generation) inheritAuthn(prev *Generation) {
	n, p := g.authn, prev.authn
	if n == nil || p == nil || n.jwt == nil || p.jwt == nil || !reflect.DeepEqual(*n.jwtOpts, *p.jwtOpts) {
		return
	}
	n.close() // its own, unused
	n.jwt = p.jwt.hold()
	n.creds.JWT = n.jwt.v
}

// ready reports whether tokens can be validated: the issuer's keys have
// been fetched.
func (n *authn) ready(ctx context.Context) error {
	if n == nil || n.creds.JWT == nil {
		return nil
	}
	return n.creds.JWT.Ready(ctx)
}

// authenticate returns the caller of an HTTP request, or an *auth.Error.
func (n *authn) authenticate(ctx context.Context, h http.Header) (*Principal, error) {
	if n.creds.JWT == nil && n.creds.Keys == nil {
		return nil, errors.New("authentication is not open")
	}
	id, err := n.creds.Authenticate(ctx, h)
	if err != nil {
		return nil, err
	}
	if p := n.keyPrincipals[id.KeyName]; p != nil && id.Method == auth.MethodAPIKey {
		return p, nil
	}
	// A remembered token's principal is made once, so that its CEL value
	// is too. The memo is that token's alone and is never given out after
	// the token expires: the principal cannot outlive it or serve another.
	if id.Memo != nil {
		if p, ok := id.Memo.Load().(*Principal); ok {
			return p, nil
		}
	}
	p := &Principal{Subject: id.Subject, Scopes: id.Scopes, Claims: id.Claims}
	if id.Memo != nil {
		id.Memo.Store(p)
	}
	return p, nil
}

// missingScopes lists the scopes every HTTP request needs that p lacks.
func (n *authn) missingScopes(p *Principal) []string {
	var missing []string
	for _, s := range n.decl.RequiredScopes {
		if !p.HasScope(s) {
			missing = append(missing, s)
		}
	}
	return missing
}

// challenge is the WWW-Authenticate value of a refusal (RFC 6750 §3,
// RFC 9728 §5.1).
func (n *authn) challenge(code, description, scope string) string {
	var b strings.Builder
	b.WriteString("Bearer")
	sep := " "
	param := func(name, value string) {
		if value == "" {
			return
		}
		fmt.Fprintf(&b, "%s%s=%q", sep, name, value)
		sep = ", "
	}
	param("resource_metadata", n.metadataURL)
	param("error", code)
	param("error_description", description)
	param("scope", scope)
	return b.String()
}
