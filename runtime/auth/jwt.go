package auth

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// JWTOptions configure bearer-token validation against an external authorization server.
type JWTOptions struct {
	Issuer        string        // required; exact match of iss
	Audience      string        // required; the server's canonical URL (RFC 8707): aud must contain it
	JWKSURL       string        // required; https, or http on a loopback host only
	Algorithms    []string      // allow-list; default {"RS256","ES256"}; "none" and HS* refused by NewJWT
	Leeway        time.Duration // clock skew allowed on exp/nbf/iat
	ScopeClaim    string        // "scope" (space-separated string), "scp" (array or string), "" = scope then scp
	MaxTokenBytes int           // default 8 KiB; longer tokens are refused before parsing
	Client        *http.Client  // for JWKS; default: a client with a 10s timeout, no redirects
	RefreshEvery  time.Duration // JWKS cache refresh; default 15 min
	MinRefetch    time.Duration // least time between refetches triggered by an unknown kid; default 30s
	CacheSize     int           // validated tokens remembered until they expire; default 4096, -1 = none
}

// Defaults for the zero values of JWTOptions.
const (
	DefaultMaxTokenBytes = 8 << 10
	DefaultRefreshEvery  = 15 * time.Minute
	DefaultMinRefetch    = 30 * time.Second
	DefaultJWKSTimeout   = 10 * time.Second
)

// DefaultAlgorithms is the allow-list when JWTOptions.Algorithms is empty: what Keycloak,
// Entra and Auth0 sign with by default.
var DefaultAlgorithms = []string{"RS256", "ES256"}

// supportedAlgorithms are the asymmetric algorithms an allow-list may name. HMAC is absent on
// purpose: its secret would have to be shared with us, and accepting it next to RSA opens the
// classic key-confusion attack (a token "signed" with the public key as HMAC secret).
var supportedAlgorithms = map[string]jwa.SignatureAlgorithm{
	"RS256": jwa.RS256(), "RS384": jwa.RS384(), "RS512": jwa.RS512(),
	"PS256": jwa.PS256(), "PS384": jwa.PS384(), "PS512": jwa.PS512(),
	"ES256": jwa.ES256(), "ES384": jwa.ES384(), "ES512": jwa.ES512(),
	"EdDSA": jwa.EdDSA(),
}

// JWT validates bearer tokens: signature against the issuer's JWKS, then iss, aud, exp, nbf
// and iat. It is safe for concurrent use.
type JWT struct {
	issuer     string
	audience   string
	algs       map[string]jwa.SignatureAlgorithm
	leeway     time.Duration
	scopeClaim string
	maxBytes   int
	now        func() time.Time
	jwks       *jwksCache
	cache      *tokenCache // nil when disabled
}

// NewJWT checks the options, fetches the JWKS once (bounded by ctx and the client's timeout)
// and starts refreshing it in the background until Close or until ctx ends. An unreachable
// JWKS is not an error here: the cache keeps retrying and Ready reports it.
func NewJWT(ctx context.Context, o JWTOptions) (*JWT, error) {
	return newJWT(ctx, o, time.Now, nil)
}

// newJWT lets tests control the clock and watch fetches.
func newJWT(ctx context.Context, o JWTOptions, now func() time.Time, afterFetch func(error)) (*JWT, error) {
	if o.Issuer == "" {
		return nil, errors.New("jwt: issuer is required")
	}
	if o.Audience == "" {
		return nil, errors.New("jwt: audience is required (the server's canonical URL)")
	}
	if err := checkJWKSURL(o.JWKSURL); err != nil {
		return nil, err
	}
	algNames := o.Algorithms
	if len(algNames) == 0 {
		algNames = DefaultAlgorithms
	}
	algs := make(map[string]jwa.SignatureAlgorithm, len(algNames))
	for _, name := range algNames {
		alg, ok := supportedAlgorithms[name]
		if !ok {
			return nil, algorithmError(name)
		}
		algs[name] = alg
	}
	switch o.ScopeClaim {
	case "", "scope", "scp":
	default:
		return nil, fmt.Errorf("jwt: scope claim %q is not supported: use \"scope\", \"scp\" or leave it empty for either", o.ScopeClaim)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"leeway", o.Leeway}, {"refresh interval", o.RefreshEvery}, {"minimum refetch interval", o.MinRefetch}} {
		if d.v < 0 {
			return nil, fmt.Errorf("jwt: %s must not be negative, got %s", d.name, d.v)
		}
	}
	if o.CacheSize < -1 {
		return nil, fmt.Errorf("jwt: cache size must be -1 (no cache), 0 (default) or positive, got %d", o.CacheSize)
	}
	if o.MaxTokenBytes < 0 {
		return nil, fmt.Errorf("jwt: maximum token size must not be negative, got %d", o.MaxTokenBytes)
	}
	j := &JWT{
		issuer:     o.Issuer,
		audience:   o.Audience,
		algs:       algs,
		leeway:     o.Leeway,
		scopeClaim: o.ScopeClaim,
		maxBytes:   cmp.Or(o.MaxTokenBytes, DefaultMaxTokenBytes),
		now:        now,
		cache:      newTokenCache(cmp.Or(o.CacheSize, DefaultCacheSize)),
	}
	client := o.Client
	if client == nil {
		client = &http.Client{
			Timeout: DefaultJWKSTimeout,
			// A redirect could move key retrieval to a host the operator never named.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	j.jwks = newJWKSCache(o.JWKSURL, client, cmp.Or(o.RefreshEvery, DefaultRefreshEvery), cmp.Or(o.MinRefetch, DefaultMinRefetch), now)
	j.jwks.afterFetch = afterFetch
	j.jwks.onNewKeys = j.cache.clear
	j.jwks.start(ctx)
	return j, nil
}

func algorithmError(name string) error {
	switch {
	case strings.EqualFold(name, "none"):
		return errors.New(`jwt: algorithm "none" is never allowed: tokens must be signed`)
	case strings.HasPrefix(strings.ToUpper(name), "HS"):
		return fmt.Errorf("jwt: algorithm %q is refused: HMAC needs a shared secret and invites key confusion; use an asymmetric algorithm", name)
	}
	names := make([]string, 0, len(supportedAlgorithms))
	for n := range supportedAlgorithms {
		names = append(names, n)
	}
	slices.Sort(names)
	return fmt.Errorf("jwt: unknown algorithm %q (supported: %s)", name, strings.Join(names, ", "))
}

// checkJWKSURL insists on https so keys cannot be swapped in transit; plain http is allowed
// only to a loopback host, for tests and local issuers.
func checkJWKSURL(s string) error {
	if s == "" {
		return errors.New("jwt: JWKS URL is required")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("jwt: JWKS URL: %v", err)
	}
	if u.Host == "" {
		return fmt.Errorf("jwt: JWKS URL %q has no host", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("jwt: JWKS URL %q must use https (plain http only to a loopback host)", s)
	}
	return fmt.Errorf("jwt: JWKS URL %q must use https", s)
}

// IsLoopbackHost reports whether host (a name or an IP address, without a
// port) names this machine only: "localhost" or a loopback address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Ready returns nil once the JWKS has been fetched at least once, and why not otherwise.
func (j *JWT) Ready(ctx context.Context) error { return j.jwks.ready() }

// Close stops the background refresh. Validate keeps working with the keys it has.
func (j *JWT) Close() { j.jwks.close() }

// header is the part of the JOSE header read before verification: only to choose the key.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// Validate checks token and returns who it stands for. Every refusal is an *Error with
// Status 401 and Code "invalid_token". A token that passed is remembered until it expires (or
// the key set changes), so its next uses skip the signature check. A remembered token's
// Identity is shared by all its uses, as an API key's is: it must not be modified, nor its
// Scopes and Claims.
func (j *JWT) Validate(ctx context.Context, token string) (*Identity, error) {
	if len(token) > j.maxBytes {
		return nil, invalidToken(fmt.Sprintf("token too large (%d bytes, limit %d)", len(token), j.maxBytes))
	}
	now := j.now()
	if id, expired, ok := j.cache.get(token, now); ok {
		if expired {
			return nil, invalidToken("token expired")
		}
		return id, nil
	}
	hdrPart, rest, ok1 := strings.Cut(token, ".")
	payloadPart, sigPart, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sigPart, ".") || hdrPart == "" || payloadPart == "" {
		return nil, invalidToken("malformed token")
	}
	var h header
	if err := decodeSegment(hdrPart, &h); err != nil {
		return nil, invalidToken("malformed token header")
	}
	alg, ok := j.algs[h.Alg]
	if !ok {
		return nil, invalidToken("algorithm not allowed")
	}
	if h.Kid == "" {
		return nil, invalidToken("token has no key id")
	}
	gen := j.cache.generation()
	k, ok := j.jwks.key(ctx, h.Kid)
	if !ok {
		return nil, invalidToken("unknown key id")
	}
	if !k.fits(h.Alg) {
		return nil, invalidToken("key does not match algorithm")
	}
	opts := []jwt.ParseOption{
		jwt.WithKey(alg, k.pub),
		jwt.WithValidate(true),
		jwt.WithIssuer(j.issuer),
		jwt.WithAudience(j.audience),
		jwt.WithAcceptableSkew(j.leeway),
		jwt.WithRequiredClaim("exp"),
		jwt.WithClock(jwt.ClockFunc(j.now)),
	}
	parsed, err := jwt.ParseString(token, opts...)
	if err != nil {
		return nil, invalidToken(parseReason(err))
	}
	// The signature covers these bytes, so decoding them ourselves yields plain JSON values
	// (numbers as float64) for guards and binds, exactly as the issuer wrote them.
	var claims map[string]any
	if err := decodeSegment(payloadPart, &claims); err != nil {
		return nil, invalidToken("malformed token payload")
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		// Audit records and guards name the caller; a token that names nobody cannot be one.
		return nil, invalidToken("token has no subject")
	}
	scopes, err := j.scopes(claims)
	if err != nil {
		return nil, invalidToken(err.Error())
	}
	id := &Identity{Subject: sub, Scopes: scopes, Claims: claims, Method: MethodJWT}
	if exp, ok := parsed.Expiration(); ok && j.cache != nil {
		id.Memo = &Memo{}
		j.cache.put(token, id, exp.Add(j.leeway), now, gen)
	}
	return id, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// parseReason names a refusal by jwx without repeating its message, which may quote claims.
func parseReason(err error) string {
	switch {
	case errors.Is(err, jwt.TokenExpiredError()):
		return "token expired"
	case errors.Is(err, jwt.TokenNotYetValidError()):
		return "token not yet valid"
	case errors.Is(err, jwt.InvalidIssuedAtError()):
		return "token issued in the future"
	case errors.Is(err, jwt.InvalidIssuerError()):
		return "issuer mismatch"
	case errors.Is(err, jwt.InvalidAudienceError()):
		return "audience mismatch"
	case errors.Is(err, jwt.MissingRequiredClaimError()):
		return "token has no expiry"
	case errors.Is(err, jwt.ValidateError()):
		return "invalid claims"
	case errors.Is(err, jws.VerifyError()):
		return "invalid signature"
	}
	return "malformed token"
}

// scopes reads the configured scope claim: "scope" is a space-separated string (RFC 8693
// §4.2, RFC 9068), "scp" an array (Entra, Okta) or a string.
func (j *JWT) scopes(claims map[string]any) ([]string, error) {
	names := []string{"scope", "scp"}
	if j.scopeClaim != "" {
		names = []string{j.scopeClaim}
	}
	for _, name := range names {
		v, ok := claims[name]
		if !ok {
			continue
		}
		switch v := v.(type) {
		case string:
			return strings.Fields(v), nil
		case []any:
			out := make([]string, 0, len(v))
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("%s claim holds a non-string", name)
				}
				out = append(out, s)
			}
			return out, nil
		default:
			return nil, fmt.Errorf("%s claim is neither a string nor an array", name)
		}
	}
	return []string{}, nil
}

// publicKey is one usable key of the JWKS.
type publicKey struct {
	pub any    // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	alg string // the JWK's own "alg", "" if it has none
}

// fits reports whether the key may verify alg: the right type (and curve), and the key's own
// "alg" if it declares one. jwx checks the type too; this gives the refusal a clear reason.
func (k publicKey) fits(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		return alg[:2] == "RS" || alg[:2] == "PS"
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return pub.Curve == elliptic.P256()
		case "ES384":
			return pub.Curve == elliptic.P384()
		case "ES512":
			return pub.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}
