package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

func TestValidateAccepts(t *testing.T) {
	iss := authtest.NewIssuer(t)
	j := newTestJWT(t, iss, nil, nil)
	tests := []struct {
		name   string
		token  string
		scopes []string
	}{
		{"RS256", iss.Token(claims("org", "acme")), []string{"orders.read"}},
		{"ES256", iss.Token(claims("org", "acme"), authtest.WithAlg("ES256")), []string{"orders.read"}},
		{"audience among several", iss.Token(claims("org", "acme", "aud", []any{"https://other.example", testAudience})), []string{"orders.read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := j.Validate(context.Background(), tt.token)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if id.Subject != "alice" || id.Method != MethodJWT || !reflect.DeepEqual(id.Scopes, tt.scopes) {
				t.Errorf("identity = %+v", id)
			}
			if id.Claims["org"] != "acme" {
				t.Errorf("claims[org] = %v, want acme", id.Claims["org"])
			}
			if _, ok := id.Claims["exp"].(float64); !ok {
				t.Errorf("claims[exp] is %T, want a JSON number (float64)", id.Claims["exp"])
			}
		})
	}
}

// TestValidateAttacks is the attack table of issue 3: each token must be refused with 401
// invalid_token and a reason that says why.
func TestValidateAttacks(t *testing.T) {
	iss := authtest.NewIssuer(t)
	j := newTestJWT(t, iss, nil, nil)
	_, ecKID := iss.KeyIDs()
	now := time.Now()
	valid := iss.Token(claims())
	parts := strings.Split(valid, ".")

	tamperedPayload := func() string {
		p, _ := json.Marshal(claims("sub", "mallory"))
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
	}
	tamperedSignature := func() string {
		sig := []byte(parts[2])
		// Flip bits in the middle, where every character carries six full bits.
		if sig[10] == 'A' {
			sig[10] = 'B'
		} else {
			sig[10] = 'A'
		}
		return parts[0] + "." + parts[1] + "." + string(sig)
	}
	oversized := iss.Token(claims("padding", strings.Repeat("x", DefaultMaxTokenBytes)))

	tests := []struct {
		name   string
		token  string
		reason string
	}{
		{"alg none", iss.Token(claims(), authtest.WithAlg("none")), "algorithm not allowed"},
		{"HS256 signed with the RSA public key", iss.Token(claims(), authtest.WithAlg("HS256")), "algorithm not allowed"},
		{"algorithm outside the allow-list", iss.Token(claims(), authtest.WithAlg("PS256")), "algorithm not allowed"},
		{"expired", iss.Token(claims("exp", now.Add(-time.Hour).Unix())), "token expired"},
		{"not yet valid", iss.Token(claims("nbf", now.Add(time.Hour).Unix())), "token not yet valid"},
		{"issued in the future", iss.Token(claims("iat", now.Add(time.Hour).Unix())), "token issued in the future"},
		{"no expiry", iss.Token(claims("exp", nil)), "token has no expiry"},
		{"wrong issuer", iss.Token(claims("iss", "https://evil.example")), "issuer mismatch"},
		{"issuer differs by a trailing slash", iss.Token(claims("iss", iss.URL()+"/")), "issuer mismatch"},
		{"wrong audience", iss.Token(claims("aud", "http://127.0.0.1:8080/other")), "audience mismatch"},
		{"minted for another resource", iss.Token(claims("aud", []any{"https://api.other.example"})), "audience mismatch"},
		{"no audience", iss.Token(claims("aud", nil)), "audience mismatch"},
		{"unknown kid", iss.Token(claims(), authtest.WithKeyID("no-such-key")), "unknown key id"},
		{"no kid", iss.Token(claims(), authtest.WithKeyID("")), "token has no key id"},
		{"RS256 under the EC key's kid", iss.Token(claims(), authtest.WithKeyID(ecKID)), "key does not match algorithm"},
		{"tampered payload", tamperedPayload(), "invalid signature"},
		{"tampered signature", tamperedSignature(), "invalid signature"},
		{"signed with an unpublished key", iss.Token(claims(), authtest.WithUnpublishedKey()), "invalid signature"},
		{"ES256 signed with an unpublished key", iss.Token(claims(), authtest.WithAlg("ES256"), authtest.WithUnpublishedKey()), "invalid signature"},
		{"unknown critical header", iss.Token(claims(), authtest.WithHeader("crit", []string{"exp"}), authtest.WithHeader("exp", 1)), "invalid signature"},
		{"oversized", oversized, "token too large"},
		{"no subject", iss.Token(claims("sub", nil)), "token has no subject"},
		{"scope of the wrong type", iss.Token(claims("scope", 42)), "scope claim is neither"},
		{"not a JWT", "mcpk_abcdef", "malformed token"},
		{"four segments", parts[0] + "." + parts[1] + "." + parts[2] + ".x", "malformed token"},
		{"empty header", "." + parts[1] + "." + parts[2], "malformed token"},
		{"header not base64url", "!!!." + parts[1] + "." + parts[2], "malformed token header"},
		{"header not JSON", base64.RawURLEncoding.EncodeToString([]byte("alg")) + "." + parts[1] + "." + parts[2], "malformed token header"},
		{"empty", "", "malformed token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := j.Validate(context.Background(), tt.token)
			if err == nil {
				t.Fatalf("Validate accepted the token: %+v", id)
			}
			checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, tt.reason)
			if e := err.(*Error); tt.token != "" && strings.Contains(e.Error(), tt.token) {
				t.Errorf("the refusal quotes the token")
			}
		})
	}
	if !strings.Contains(oversized[:100], ".") || len(oversized) <= DefaultMaxTokenBytes {
		t.Fatalf("the oversized token is %d bytes, want more than %d", len(oversized), DefaultMaxTokenBytes)
	}
}

func TestMaxTokenBytes(t *testing.T) {
	iss := authtest.NewIssuer(t)
	tok := iss.Token(claims())
	j := newTestJWT(t, iss, nil, func(o *JWTOptions) { o.MaxTokenBytes = len(tok) })
	if _, err := j.Validate(context.Background(), tok); err != nil {
		t.Errorf("a token of exactly MaxTokenBytes: %v", err)
	}
	_, err := j.Validate(context.Background(), tok+"A")
	checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, "token too large")
}

func TestLeeway(t *testing.T) {
	iss := authtest.NewIssuer(t)
	now := time.Now()
	// 30 s past exp, 30 s before nbf: inside a 2-minute leeway, outside none.
	expired := iss.Token(claims("exp", now.Add(-30*time.Second).Unix()))
	early := iss.Token(claims("nbf", now.Add(30*time.Second).Unix()))
	tests := []struct {
		name   string
		leeway time.Duration
		token  string
		reason string // "" = accepted
	}{
		{"expired, no leeway", 0, expired, "token expired"},
		{"expired, within leeway", 2 * time.Minute, expired, ""},
		{"early, no leeway", 0, early, "token not yet valid"},
		{"early, within leeway", 2 * time.Minute, early, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newTestJWT(t, iss, nil, func(o *JWTOptions) { o.Leeway = tt.leeway })
			_, err := j.Validate(context.Background(), tt.token)
			if tt.reason == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, tt.reason)
		})
	}
}

func TestScopes(t *testing.T) {
	iss := authtest.NewIssuer(t)
	tests := []struct {
		name       string
		scopeClaim string
		claims     map[string]any
		want       []string
		reason     string
	}{
		{"scope string", "", claims("scope", "orders.read  catalog.read"), []string{"orders.read", "catalog.read"}, ""},
		{"scp array", "", claims("scope", nil, "scp", []any{"orders.read", "orders.write"}), []string{"orders.read", "orders.write"}, ""},
		{"scp string", "", claims("scope", nil, "scp", "orders.read"), []string{"orders.read"}, ""},
		{"scope wins when both", "", claims("scope", "a", "scp", []any{"b"}), []string{"a"}, ""},
		{"scp only reads scp", "scp", claims("scope", "a", "scp", []any{"b"}), []string{"b"}, ""},
		{"scope only reads scope", "scope", claims("scope", nil, "scp", []any{"b"}), []string{}, ""},
		{"no scopes", "", claims("scope", nil), []string{}, ""},
		{"scp with a number", "", claims("scope", nil, "scp", []any{"a", 1}), nil, "scp claim holds a non-string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newTestJWT(t, iss, nil, func(o *JWTOptions) { o.ScopeClaim = tt.scopeClaim })
			id, err := j.Validate(context.Background(), iss.Token(tt.claims))
			if tt.reason != "" {
				checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if !reflect.DeepEqual(id.Scopes, tt.want) {
				t.Errorf("scopes = %q, want %q", id.Scopes, tt.want)
			}
		})
	}
}

func TestAlgorithmAllowList(t *testing.T) {
	iss := authtest.NewIssuer(t)
	j := newTestJWT(t, iss, nil, func(o *JWTOptions) { o.Algorithms = []string{"ES256"} })
	_, err := j.Validate(context.Background(), iss.Token(claims()))
	checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, "algorithm not allowed")
	if _, err := j.Validate(context.Background(), iss.Token(claims(), authtest.WithAlg("ES256"))); err != nil {
		t.Errorf("ES256: %v", err)
	}
	// The issuer's RSA key declares "alg": "RS256"; allowing PS256 must not let it verify PS256.
	j = newTestJWT(t, iss, nil, func(o *JWTOptions) { o.Algorithms = []string{"PS256"} })
	_, err = j.Validate(context.Background(), iss.Token(claims(), authtest.WithAlg("PS256")))
	checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, "key does not match algorithm")
}

func TestNewJWTOptionErrors(t *testing.T) {
	ok := JWTOptions{Issuer: "https://issuer.example", Audience: testAudience, JWKSURL: "http://127.0.0.1:1/jwks"}
	tests := []struct {
		name string
		edit func(*JWTOptions)
		want string
	}{
		{"no issuer", func(o *JWTOptions) { o.Issuer = "" }, "issuer is required"},
		{"no audience", func(o *JWTOptions) { o.Audience = "" }, "audience is required"},
		{"no JWKS URL", func(o *JWTOptions) { o.JWKSURL = "" }, "JWKS URL is required"},
		{"plain http off loopback", func(o *JWTOptions) { o.JWKSURL = "http://keys.example/jwks" }, "must use https (plain http only to a loopback host)"},
		{"other scheme", func(o *JWTOptions) { o.JWKSURL = "file:///etc/jwks" }, "has no host"},
		{"ftp", func(o *JWTOptions) { o.JWKSURL = "ftp://keys.example/jwks" }, "must use https"},
		{"alg none", func(o *JWTOptions) { o.Algorithms = []string{"RS256", "none"} }, `algorithm "none" is never allowed`},
		{"HS256", func(o *JWTOptions) { o.Algorithms = []string{"HS256"} }, `algorithm "HS256" is refused`},
		{"unknown alg", func(o *JWTOptions) { o.Algorithms = []string{"RS999"} }, `unknown algorithm "RS999" (supported: ES256, ES384`},
		{"scope claim", func(o *JWTOptions) { o.ScopeClaim = "roles" }, `scope claim "roles" is not supported`},
		{"negative leeway", func(o *JWTOptions) { o.Leeway = -time.Second }, "leeway must not be negative"},
		{"negative max size", func(o *JWTOptions) { o.MaxTokenBytes = -1 }, "maximum token size must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			j, err := NewJWT(context.Background(), o)
			if err == nil {
				j.Close()
				t.Fatalf("NewJWT accepted %+v", o)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
	for _, host := range []string{"127.0.0.1", "[::1]", "localhost"} {
		o := ok
		o.JWKSURL = "http://" + host + ":1/jwks"
		if err := checkJWKSURL(o.JWKSURL); err != nil {
			t.Errorf("%s: %v", o.JWKSURL, err)
		}
	}
}

// TestRotation: a token signed with a key the cache has not seen makes it refetch, once.
func TestRotation(t *testing.T) {
	iss := authtest.NewIssuer(t)
	clock := &fakeClock{}
	j := newTestJWT(t, iss, clock, nil)
	old := iss.Token(claims())
	if _, err := j.Validate(context.Background(), old); err != nil {
		t.Fatalf("before rotation: %v", err)
	}
	if got := iss.JWKSHits(); got != 1 {
		t.Fatalf("JWKS hits after start = %d, want 1", got)
	}
	iss.Rotate()
	clock.advance(DefaultMinRefetch)
	rotated := iss.Token(claims())
	if _, err := j.Validate(context.Background(), rotated); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if got := iss.JWKSHits(); got != 2 {
		t.Errorf("JWKS hits after the rotated kid = %d, want 2 (one refetch)", got)
	}
	// The previous key is still published, so tokens signed before the rotation still pass.
	if _, err := j.Validate(context.Background(), old); err != nil {
		t.Errorf("token from before the rotation: %v", err)
	}
	if got := iss.JWKSHits(); got != 2 {
		t.Errorf("JWKS hits = %d, want 2: known kids must not refetch", got)
	}
}

// TestUnknownKidFlood: made-up kids must not turn us into a JWKS hammer. However many arrive
// at once, at most one refetch happens per MinRefetch.
func TestUnknownKidFlood(t *testing.T) {
	iss := authtest.NewIssuer(t)
	clock := &fakeClock{}
	j := newTestJWT(t, iss, clock, func(o *JWTOptions) { o.MinRefetch = time.Minute })
	flood := func(round int) {
		var wg sync.WaitGroup
		for i := range 50 {
			tok := iss.Token(claims(), authtest.WithKeyID(fmt.Sprintf("made-up-%d-%d", round, i)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := j.Validate(context.Background(), tok)
				checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, "unknown key id")
			}()
		}
		wg.Wait()
	}
	steps := []struct {
		advance time.Duration
		want    int
	}{
		{0, 1},                         // the start fetched; within a minute of it, no refetch
		{time.Minute, 2},               // a minute on: the flood causes exactly one refetch
		{30 * time.Second, 2},          // half a minute after that one: none
		{30 * time.Second, 3},          // a full minute after it: one more
		{time.Minute - time.Second, 3}, // just short of the next: none
	}
	for round, s := range steps {
		clock.advance(s.advance)
		flood(round)
		if got := iss.JWKSHits(); got != s.want {
			t.Fatalf("round %d (+%s): JWKS hits = %d, want %d", round, s.advance, got, s.want)
		}
	}
}

// TestUnreachableJWKS: NewJWT succeeds with the key server down, Ready says why, and the
// background retry makes it ready once the server is back.
func TestUnreachableJWKS(t *testing.T) {
	iss := authtest.NewIssuer(t)
	iss.SetJWKSDown(true)
	fetched := make(chan error, 16)
	o := JWTOptions{Issuer: iss.URL(), Audience: testAudience, JWKSURL: iss.JWKSURL()}
	j, err := newJWT(context.Background(), o, time.Now, func(err error) { fetched <- err })
	if err != nil {
		t.Fatalf("NewJWT with the JWKS down: %v", err)
	}
	defer j.Close()
	if err := <-fetched; err == nil {
		t.Fatalf("first fetch succeeded with the JWKS down")
	}
	err = j.Ready(context.Background())
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Ready = %v, want an error naming the 503", err)
	}
	_, err = j.Validate(context.Background(), iss.Token(claims()))
	checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, "unknown key id")

	iss.SetJWKSDown(false)
	for err := range fetched { // the background retry, about a second later
		if err == nil {
			break
		}
	}
	if err := j.Ready(context.Background()); err != nil {
		t.Fatalf("Ready after the JWKS came back: %v", err)
	}
	if _, err := j.Validate(context.Background(), iss.Token(claims())); err != nil {
		t.Errorf("Validate after the JWKS came back: %v", err)
	}
}

func TestJWKSProblems(t *testing.T) {
	iss := authtest.NewIssuer(t)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, iss.JWKSURL(), http.StatusFound) }, "answered 302"},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>") }, "not a JWK set"},
		{"only an HMAC key", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}]}`)
		}, "no usable signing key"},
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"keys":[], "pad":"`+strings.Repeat("x", maxJWKSBytes)+`"}`)
		}, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			j := newTestJWT(t, iss, nil, func(o *JWTOptions) { o.JWKSURL = srv.URL })
			err := j.Ready(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Ready = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
