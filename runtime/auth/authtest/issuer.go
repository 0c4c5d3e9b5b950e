// Package authtest is a local OpenID-style token issuer for tests and demos: it generates RSA
// and EC keys when created, serves its discovery document and JWKS over real HTTP on
// 127.0.0.1, and mints tokens with any claims, including deliberately broken ones.
//
// It signs whatever it is asked to; never use it where real tokens are issued.
package authtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Paths the issuer serves.
const (
	JWKSPath      = "/jwks.json"
	OIDCPath      = "/.well-known/openid-configuration"
	OAuthMetaPath = "/.well-known/oauth-authorization-server"
)

// DefaultLifetime is how long a token lives when its claims name no "exp".
const DefaultLifetime = time.Hour

// Issuer is a running test issuer. Its methods are safe for concurrent use.
type Issuer struct {
	tb  testing.TB // nil outside tests: errors panic instead of failing the test
	url string
	srv *http.Server
	ln  net.Listener

	mu   sync.Mutex
	gen  int
	cur  keyPair // signs new tokens
	prev keyPair // still published after a rotation, as real issuers overlap keys

	hits     atomic.Int64
	jwksDown atomic.Bool
	closed   sync.Once
}

type keyPair struct {
	rsa    *rsa.PrivateKey
	rsaKID string
	ec     *ecdsa.PrivateKey
	ecKID  string
}

// NewIssuer starts an issuer on a random port of 127.0.0.1 and stops it when the test ends.
func NewIssuer(tb testing.TB) *Issuer {
	tb.Helper()
	iss, err := start("127.0.0.1:0", tb)
	if err != nil {
		tb.Fatalf("authtest: %v", err)
	}
	tb.Cleanup(iss.Close)
	return iss
}

// Start starts an issuer listening on addr (e.g. "127.0.0.1:9000"), for demos; call Close.
func Start(addr string) (*Issuer, error) {
	return start(addr, nil)
}

func start(addr string, tb testing.TB) (*Issuer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	iss := &Issuer{tb: tb, ln: ln, url: "http://" + ln.Addr().String()}
	iss.cur, err = newKeyPair(1)
	if err != nil {
		ln.Close()
		return nil, err
	}
	iss.gen = 1
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+JWKSPath, iss.serveJWKS)
	mux.HandleFunc("GET "+OIDCPath, iss.serveMetadata)
	mux.HandleFunc("GET "+OAuthMetaPath, iss.serveMetadata)
	iss.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go iss.srv.Serve(ln)
	return iss, nil
}

func newKeyPair(gen int) (keyPair, error) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return keyPair{}, err
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{rsa: rk, rsaKID: fmt.Sprintf("rsa-%d", gen), ec: ek, ecKID: fmt.Sprintf("ec-%d", gen)}, nil
}

// Close stops the server.
func (i *Issuer) Close() {
	i.closed.Do(func() { i.srv.Close() })
}

// URL is the issuer identifier, the "iss" of its tokens: http://127.0.0.1:<port>.
func (i *Issuer) URL() string { return i.url }

// JWKSURL is where the public keys are served.
func (i *Issuer) JWKSURL() string { return i.url + JWKSPath }

// JWKSHits is how many JWKS requests the issuer has received.
func (i *Issuer) JWKSHits() int { return int(i.hits.Load()) }

// SetJWKSDown makes the JWKS endpoint answer 503 (true) or serve keys again (false).
func (i *Issuer) SetJWKSDown(down bool) { i.jwksDown.Store(down) }

// KeyIDs are the kids new RS256 and ES256 tokens carry.
func (i *Issuer) KeyIDs() (rsaKID, ecKID string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.cur.rsaKID, i.cur.ecKID
}

// Rotate generates new keys with new kids and signs with them from now on. The JWKS serves
// the new keys and the previous ones; keys from before the previous rotation disappear.
func (i *Issuer) Rotate() {
	i.mu.Lock()
	defer i.mu.Unlock()
	kp, err := newKeyPair(i.gen + 1)
	if err != nil {
		i.fatalf("rotate: %v", err)
		return
	}
	i.gen++
	i.prev, i.cur = i.cur, kp
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	i.hits.Add(1)
	if i.jwksDown.Load() {
		http.Error(w, "key server down (authtest)", http.StatusServiceUnavailable)
		return
	}
	body, err := i.jwks()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Write(body)
}

func (i *Issuer) jwks() ([]byte, error) {
	i.mu.Lock()
	pairs := []keyPair{i.cur}
	if i.prev.rsa != nil {
		pairs = append(pairs, i.prev)
	}
	i.mu.Unlock()
	set := jwk.NewSet()
	for _, kp := range pairs {
		for _, k := range []struct {
			pub any
			kid string
			alg jwa.SignatureAlgorithm
		}{{&kp.rsa.PublicKey, kp.rsaKID, jwa.RS256()}, {&kp.ec.PublicKey, kp.ecKID, jwa.ES256()}} {
			key, err := jwk.Import(k.pub)
			if err != nil {
				return nil, err
			}
			if err := errors.Join(key.Set(jwk.KeyIDKey, k.kid), key.Set(jwk.AlgorithmKey, k.alg), key.Set(jwk.KeyUsageKey, "sig")); err != nil {
				return nil, err
			}
			if err := set.AddKey(key); err != nil {
				return nil, err
			}
		}
	}
	return json.Marshal(set)
}

func (i *Issuer) serveMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                i.url,
		"jwks_uri":                              i.JWKSURL(),
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		"response_types_supported":              []string{"token"},
		"subject_types_supported":               []string{"public"},
	})
}

// Option changes how Token mints.
type Option func(*tokenSpec)

type tokenSpec struct {
	alg         string
	kid         *string
	header      map[string]any
	unpublished bool
}

// WithAlg signs with alg: "RS256" (the default), "PS256" or "RS384"/"RS512" (RSA key),
// "ES256" (EC key), "none" (no signature), or "HS256"/"HS384"/"HS512" with the PEM of the RSA
// public key as HMAC secret: the key-confusion attack.
func WithAlg(alg string) Option { return func(s *tokenSpec) { s.alg = alg } }

// WithKeyID puts kid in the header instead of the signing key's; "" leaves kid out.
func WithKeyID(kid string) Option { return func(s *tokenSpec) { s.kid = &kid } }

// WithHeader sets a header field; it overrides what Token would write, "alg" included.
func WithHeader(name string, value any) Option {
	return func(s *tokenSpec) {
		if s.header == nil {
			s.header = map[string]any{}
		}
		s.header[name] = value
	}
}

// WithUnpublishedKey signs with a fresh key of the right type that the JWKS never serves,
// under the current kid: a forgery.
func WithUnpublishedKey() Option { return func(s *tokenSpec) { s.unpublished = true } }

// Token mints a compact JWS. Claims are copied as given; "iss" (the issuer URL), "iat" (now)
// and "exp" (now + DefaultLifetime) are added when absent, and a claim whose value is nil is
// left out, so a test can mint a token with no "exp".
func (i *Issuer) Token(claims map[string]any, opts ...Option) string {
	if i.tb != nil {
		i.tb.Helper()
	}
	spec := tokenSpec{alg: "RS256"}
	for _, o := range opts {
		o(&spec)
	}
	now := time.Now()
	payload := map[string]any{"iss": i.url, "iat": now.Unix(), "exp": now.Add(DefaultLifetime).Unix()}
	maps.Copy(payload, claims)
	for k, v := range payload {
		if v == nil {
			delete(payload, k)
		}
	}

	i.mu.Lock()
	kp := i.cur
	i.mu.Unlock()
	var key any
	var kid string
	switch spec.alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		key, kid = kp.rsa, kp.rsaKID
		if spec.unpublished {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				i.fatalf("generate key: %v", err)
				return ""
			}
			key = k
		}
	case "ES256":
		key, kid = kp.ec, kp.ecKID
		if spec.unpublished {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				i.fatalf("generate key: %v", err)
				return ""
			}
			key = k
		}
	case "HS256", "HS384", "HS512":
		der, err := x509.MarshalPKIXPublicKey(&kp.rsa.PublicKey)
		if err != nil {
			i.fatalf("marshal public key: %v", err)
			return ""
		}
		key, kid = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), kp.rsaKID
	case "none":
		kid = kp.rsaKID
	default:
		i.fatalf("Token: algorithm %q is not one authtest signs with", spec.alg)
		return ""
	}

	header := map[string]any{"alg": spec.alg, "typ": "JWT", "kid": kid}
	if spec.kid != nil {
		header["kid"] = *spec.kid
		if *spec.kid == "" {
			delete(header, "kid")
		}
	}
	maps.Copy(header, spec.header)
	h, err := json.Marshal(header)
	if err != nil {
		i.fatalf("Token: header: %v", err)
		return ""
	}
	p, err := json.Marshal(payload)
	if err != nil {
		i.fatalf("Token: claims: %v", err)
		return ""
	}
	input := b64(h) + "." + b64(p)
	if spec.alg == "none" {
		return input + "."
	}
	alg, ok := jwa.LookupSignatureAlgorithm(spec.alg)
	if !ok {
		i.fatalf("Token: unknown algorithm %q", spec.alg)
		return ""
	}
	signer, err := jws.SignerFor(alg)
	if err != nil {
		i.fatalf("Token: %v", err)
		return ""
	}
	sig, err := signer.Sign(key, []byte(input))
	if err != nil {
		i.fatalf("Token: sign: %v", err)
		return ""
	}
	return input + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (i *Issuer) fatalf(format string, args ...any) {
	if i.tb != nil {
		i.tb.Helper()
		i.tb.Fatalf("authtest: "+format, args...)
		return
	}
	panic(fmt.Sprintf("authtest: "+format, args...))
}
