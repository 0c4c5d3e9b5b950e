package authtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

// servedKIDs lists the kids of the JWKS as served over HTTP.
func servedKIDs(t *testing.T, iss *Issuer) []string {
	t.Helper()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if code := getJSON(t, iss.JWKSURL(), &set); code != http.StatusOK {
		t.Fatalf("JWKS answered %d", code)
	}
	var kids []string
	for _, k := range set.Keys {
		if _, private := k["d"]; private {
			t.Errorf("the JWKS publishes a private key: %v", k["kid"])
		}
		kids = append(kids, k["kid"].(string))
	}
	slices.Sort(kids)
	return kids
}

func TestMetadata(t *testing.T) {
	iss := NewIssuer(t)
	if !strings.HasPrefix(iss.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %s, want loopback", iss.URL())
	}
	for _, path := range []string{OIDCPath, OAuthMetaPath} {
		var meta map[string]any
		if code := getJSON(t, iss.URL()+path, &meta); code != http.StatusOK {
			t.Fatalf("%s answered %d", path, code)
		}
		if meta["issuer"] != iss.URL() || meta["jwks_uri"] != iss.JWKSURL() {
			t.Errorf("%s = %v", path, meta)
		}
	}
}

func TestRotateAndDown(t *testing.T) {
	iss := NewIssuer(t)
	steps := []struct {
		rotate bool
		want   []string
	}{
		{false, []string{"ec-1", "rsa-1"}},
		{true, []string{"ec-1", "ec-2", "rsa-1", "rsa-2"}},
		{true, []string{"ec-2", "ec-3", "rsa-2", "rsa-3"}},
	}
	for i, s := range steps {
		if s.rotate {
			iss.Rotate()
		}
		if got := servedKIDs(t, iss); !reflect.DeepEqual(got, s.want) {
			t.Errorf("step %d: kids = %v, want %v", i, got, s.want)
		}
	}
	if rsaKID, ecKID := iss.KeyIDs(); rsaKID != "rsa-3" || ecKID != "ec-3" {
		t.Errorf("KeyIDs = %s, %s after two rotations", rsaKID, ecKID)
	}
	iss.SetJWKSDown(true)
	if code := getJSON(t, iss.JWKSURL(), new(any)); code != http.StatusServiceUnavailable {
		t.Errorf("JWKS down answered %d, want 503", code)
	}
	if got := iss.JWKSHits(); got != len(steps)+1 {
		t.Errorf("JWKSHits = %d, want %d", got, len(steps)+1)
	}
}

func TestToken(t *testing.T) {
	iss := NewIssuer(t)
	decode := func(seg string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil {
			t.Fatalf("segment %q: %v", seg, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("segment %q: %v", seg, err)
		}
		return m
	}
	tests := []struct {
		name    string
		claims  map[string]any
		opts    []Option
		header  map[string]any // fields that must have these values; nil value = absent
		payload map[string]any
		sigLen  int // 0 = any non-empty signature; -1 = none
	}{
		{"defaults", map[string]any{"sub": "a"}, nil,
			map[string]any{"alg": "RS256", "kid": "rsa-1", "typ": "JWT"}, map[string]any{"sub": "a", "iss": iss.URL()}, 256},
		{"ES256", nil, []Option{WithAlg("ES256")}, map[string]any{"alg": "ES256", "kid": "ec-1"}, nil, 64},
		{"none", nil, []Option{WithAlg("none")}, map[string]any{"alg": "none"}, nil, -1},
		{"HS256", nil, []Option{WithAlg("HS256")}, map[string]any{"alg": "HS256", "kid": "rsa-1"}, nil, 32},
		{"no kid, no exp", map[string]any{"exp": nil}, []Option{WithKeyID("")}, map[string]any{"kid": nil}, map[string]any{"exp": nil}, 0},
		{"extra header", nil, []Option{WithHeader("alg", "RS512"), WithKeyID("x")}, map[string]any{"alg": "RS512", "kid": "x"}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := strings.Split(iss.Token(tt.claims, tt.opts...), ".")
			if len(parts) != 3 {
				t.Fatalf("%d segments", len(parts))
			}
			h, p := decode(parts[0]), decode(parts[1])
			for _, c := range []struct {
				got, want map[string]any
			}{{h, tt.header}, {p, tt.payload}} {
				for k, v := range c.want {
					if got, ok := c.got[k]; (v == nil && ok) || (v != nil && got != v) {
						t.Errorf("%s = %v, want %v", k, got, v)
					}
				}
			}
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			switch {
			case tt.sigLen == -1 && len(sig) != 0, tt.sigLen > 0 && len(sig) != tt.sigLen, tt.sigLen == 0 && len(sig) == 0:
				t.Errorf("signature of %d bytes, want %d", len(sig), tt.sigLen)
			}
		})
	}
}
