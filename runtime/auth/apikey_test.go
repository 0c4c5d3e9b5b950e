package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

func TestParseKeyHash(t *testing.T) {
	good := HashKey("abc")
	tests := []struct {
		name string
		in   string
		want string // error substring; "" = accepted
	}{
		{"good", good, ""},
		{"empty", "", `must start with "sha256:"`},
		{"no prefix", strings.TrimPrefix(good, "sha256:"), `must start with "sha256:"`},
		{"other algorithm", "md5:900150983cd24fb0d6963f7d28e17f72", `must start with "sha256:"`},
		{"prefix in capitals", "SHA256:" + good[7:], `must start with "sha256:"`},
		{"short", good[:len(good)-1], "must have 64 hex digits after \"sha256:\", it has 63"},
		{"long", good + "0", "it has 65"},
		{"upper case", "sha256:" + strings.ToUpper(good[7:]), "must be lowercase hex: character 1"},
		{"not hex", "sha256:" + strings.Repeat("g", 64), "must be lowercase hex: character 1"},
		{"trailing space", good[:len(good)-1] + " ", "must be lowercase hex: character 64"},
		{"the key itself", "mcpk_secretsecret", "this is an API key, not its hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseKeyHash(tt.in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ParseKeyHash: %v", err)
				}
				if fmt.Sprintf("sha256:%x", h) != tt.in {
					t.Errorf("hash = %x, want %s", h, tt.in)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if len(tt.in) > 8 && strings.Contains(err.Error(), tt.in[7:]) {
				t.Errorf("the error repeats the input: %v", err)
			}
		})
	}
}

func TestHashKey(t *testing.T) {
	// FIPS 180-2 test vector for "abc".
	if got, want := HashKey("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("HashKey(abc) = %s, want %s", got, want)
	}
}

func TestNewAPIKey(t *testing.T) {
	key, hash, err := NewAPIKey()
	if err != nil {
		t.Fatalf("NewAPIKey: %v", err)
	}
	if !strings.HasPrefix(key, "mcpk_") || len(key) != len("mcpk_")+43 || !token68Pattern.MatchString(key) {
		t.Errorf("key %q: want mcpk_ and 43 base64url characters, usable as a bearer token", key)
	}
	if hash != HashKey(key) {
		t.Errorf("hash %s is not HashKey(key)", hash)
	}
	if _, err := ParseKeyHash(hash); err != nil {
		t.Errorf("ParseKeyHash(NewAPIKey's hash): %v", err)
	}
	other, _, _ := NewAPIKey()
	if other == key {
		t.Errorf("two calls made the same key")
	}
}

// testKeys makes n keys "key-0".. with subjects "svc-0"..; it returns their secrets too.
func testKeys(t testing.TB, n int) (*APIKeys, []string) {
	t.Helper()
	var keys []APIKey
	var secrets []string
	for i := range n {
		secret, hash, err := NewAPIKey()
		if err != nil {
			t.Fatalf("NewAPIKey: %v", err)
		}
		h, err := ParseKeyHash(hash)
		if err != nil {
			t.Fatalf("ParseKeyHash: %v", err)
		}
		keys = append(keys, APIKey{Name: fmt.Sprintf("key-%d", i), Hash: h, Identity: Identity{
			Subject: fmt.Sprintf("svc-%d", i), Scopes: []string{"orders.read"}, Claims: map[string]any{"org": "acme"}, Method: "jwt",
		}})
		secrets = append(secrets, secret)
	}
	k, err := NewAPIKeys(keys)
	if err != nil {
		t.Fatalf("NewAPIKeys: %v", err)
	}
	return k, secrets
}

func TestAPIKeysLookup(t *testing.T) {
	k, secrets := testKeys(t, 3)
	for i, s := range secrets {
		id, ok := k.Lookup(s)
		if !ok {
			t.Fatalf("key %d not found", i)
		}
		if id.Subject != fmt.Sprintf("svc-%d", i) || id.KeyName != fmt.Sprintf("key-%d", i) || id.Method != MethodAPIKey || id.Claims["org"] != "acme" {
			t.Errorf("key %d: identity %+v", i, id)
		}
		// The key's one identity, as a cached token's: nothing is
		// copied per request.
		if again, _ := k.Lookup(s); again != id {
			t.Errorf("key %d: a second lookup gave another identity", i)
		}
	}
	for _, miss := range []string{"", "mcpk_", secrets[0][:len(secrets[0])-1], secrets[0] + "x", strings.ToUpper(secrets[0])} {
		if id, ok := k.Lookup(miss); ok || id != nil {
			t.Errorf("Lookup(%q) = %+v, %v; want a miss", miss, id, ok)
		}
	}
	empty, err := NewAPIKeys(nil)
	if err != nil {
		t.Fatalf("NewAPIKeys(nil): %v", err)
	}
	if _, ok := empty.Lookup(secrets[0]); ok {
		t.Errorf("an empty set matched")
	}
}

// TestLookupComparesEveryEntry proves the structure that makes Lookup constant-time: every
// entry is compared, with the constant-time primitive, whether the key is first, last or
// absent. An early exit would show here without measuring any time.
func TestLookupComparesEveryEntry(t *testing.T) {
	k, secrets := testKeys(t, 10)
	var calls int
	k.compare = func(a, b [32]byte) int {
		calls++
		return compareHashes(a, b)
	}
	for _, tt := range []struct {
		name, key string
		found     bool
	}{{"first", secrets[0], true}, {"last", secrets[9], true}, {"middle", secrets[4], true}, {"absent", "mcpk_nope", false}} {
		calls = 0
		_, ok := k.Lookup(tt.key)
		if ok != tt.found || calls != 10 {
			t.Errorf("%s: found = %v after %d comparisons; want %v after 10", tt.name, ok, calls, tt.found)
		}
	}
}

// TestLookupAllocatesNothing: every authenticated HTTP request looks its
// key up, and the hash and the identity found need no memory of their own.
func TestLookupAllocatesNothing(t *testing.T) {
	k, secrets := testKeys(t, 3)
	var found bool
	allocs := testing.AllocsPerRun(100, func() { _, found = k.Lookup(secrets[1]) })
	if !found {
		t.Fatal("the key was not found")
	}
	if allocs != 0 {
		t.Errorf("Lookup allocates %.0f times per call, want 0", allocs)
	}
}

func TestNewAPIKeysErrors(t *testing.T) {
	h1, _ := ParseKeyHash(HashKey("one"))
	h2, _ := ParseKeyHash(HashKey("two"))
	id := Identity{Subject: "svc"}
	tests := []struct {
		name string
		keys []APIKey
		want string
	}{
		{"duplicate hash", []APIKey{{Name: "a", Hash: h1, Identity: id}, {Name: "b", Hash: h1, Identity: id}}, `API keys "a" and "b" have the same hash`},
		{"duplicate name", []APIKey{{Name: "a", Hash: h1, Identity: id}, {Name: "a", Hash: h2, Identity: id}}, `API key "a" is declared twice`},
		{"no name", []APIKey{{Hash: h1, Identity: id}}, "API key 1 has no name"},
		{"no hash", []APIKey{{Name: "a", Identity: id}}, `API key "a" has no hash`},
		{"no subject", []APIKey{{Name: "a", Hash: h1}}, `API key "a" has no subject`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewAPIKeys(tt.keys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAuthenticator(t *testing.T) {
	iss := authtest.NewIssuer(t)
	j := newTestJWT(t, iss, nil, nil)
	keys, secrets := testKeys(t, 2)
	tok := iss.Token(claims())
	bearer := func(v string) http.Header { return http.Header{"Authorization": {"Bearer " + v}} }

	tests := []struct {
		name    string
		a       *Authenticator
		h       http.Header
		subject string // accepted as this subject, with method
		method  string
		status  int
		code    string
		reason  string
	}{
		{"API key, both configured", &Authenticator{JWT: j, Keys: keys}, bearer(secrets[1]), "svc-1", MethodAPIKey, 0, "", ""},
		{"JWT, both configured", &Authenticator{JWT: j, Keys: keys}, bearer(tok), "alice", MethodJWT, 0, "", ""},
		{"API key, keys only", &Authenticator{Keys: keys}, bearer(secrets[0]), "svc-0", MethodAPIKey, 0, "", ""},
		{"JWT, JWT only", &Authenticator{JWT: j}, bearer(tok), "alice", MethodJWT, 0, "", ""},
		{"unknown key, both configured", &Authenticator{JWT: j, Keys: keys}, bearer("mcpk_unknown"), "", "", 401, CodeInvalidToken, "unknown API key"},
		{"unknown key, keys only", &Authenticator{Keys: keys}, bearer("mcpk_unknown"), "", "", 401, CodeInvalidToken, "unknown API key"},
		{"JWT, keys only", &Authenticator{Keys: keys}, bearer(tok), "", "", 401, CodeInvalidToken, "unknown API key"},
		{"API key, JWT only", &Authenticator{JWT: j}, bearer(secrets[0]), "", "", 401, CodeInvalidToken, "malformed token"},
		{"bad JWT, both configured", &Authenticator{JWT: j, Keys: keys}, bearer(iss.Token(claims(), authtest.WithAlg("none"))), "", "", 401, CodeInvalidToken, "algorithm not allowed"},
		{"nothing configured", &Authenticator{}, bearer(tok), "", "", 401, CodeInvalidToken, "no credential is accepted"},
		{"no header", &Authenticator{JWT: j, Keys: keys}, http.Header{}, "", "", 401, "", "no credential"},
		{"malformed header", &Authenticator{JWT: j, Keys: keys}, http.Header{"Authorization": {"Bearer a b"}}, "", "", 400, CodeInvalidRequest, "bearer token is not token68"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := tt.a.Authenticate(context.Background(), tt.h)
			if tt.status != 0 {
				checkRefusal(t, err, tt.status, tt.code, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if id.Subject != tt.subject || id.Method != tt.method {
				t.Errorf("identity = %+v, want subject %s by %s", id, tt.subject, tt.method)
			}
		})
	}
}
