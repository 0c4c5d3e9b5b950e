package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name    string
		headers []string // values of Authorization; nil = no header
		want    string
		status  int // 0 = accepted
		code    string
		reason  string
	}{
		{"bearer", []string{"Bearer abc.def-ghi_jkl~mno+pqr/stu=="}, "abc.def-ghi_jkl~mno+pqr/stu==", 0, "", ""},
		{"scheme lower case", []string{"bearer abc"}, "abc", 0, "", ""},
		{"scheme upper case", []string{"BEARER abc"}, "abc", 0, "", ""},
		{"several spaces after the scheme", []string{"Bearer   abc"}, "abc", 0, "", ""},
		{"surrounding whitespace", []string{" \tBearer abc \t"}, "abc", 0, "", ""},
		{"no header", nil, "", 401, "", "no credential"},
		{"two headers", []string{"Bearer abc", "Bearer def"}, "", 400, CodeInvalidRequest, "more than one Authorization header"},
		{"empty header", []string{""}, "", 400, CodeInvalidRequest, "empty Authorization header"},
		{"Bearer with no token", []string{"Bearer"}, "", 400, CodeInvalidRequest, "Bearer with no token"},
		{"Bearer and spaces", []string{"Bearer   "}, "", 400, CodeInvalidRequest, "Bearer with no token"},
		{"Basic", []string{"Basic dXNlcjpwYXNz"}, "", 401, "", "authorization scheme is not Bearer"},
		{"bare token", []string{"abc.def.ghi"}, "", 401, "", "authorization scheme is not Bearer"},
		{"tab after the scheme", []string{"Bearer\tabc"}, "", 400, CodeInvalidRequest, "malformed Authorization header"},
		{"two tokens", []string{"Bearer abc def"}, "", 400, CodeInvalidRequest, "bearer token is not token68"},
		{"comma", []string{"Bearer abc, Bearer def"}, "", 400, CodeInvalidRequest, "bearer token is not token68"},
		{"padding inside", []string{"Bearer ab=c"}, "", 400, CodeInvalidRequest, "bearer token is not token68"},
		{"only padding", []string{"Bearer =="}, "", 400, CodeInvalidRequest, "bearer token is not token68"},
		{"quoted", []string{`Bearer "abc"`}, "", 400, CodeInvalidRequest, "bearer token is not token68"},
		{"control character", []string{"Bearer ab\x00c"}, "", 400, CodeInvalidRequest, "bearer token is not token68"},
		{"non-ASCII", []string{"Bearer abcé"}, "", 400, CodeInvalidRequest, "bearer token is not token68"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.headers {
				h.Add("Authorization", v)
			}
			got, err := BearerToken(h)
			if tt.status == 0 {
				if err != nil || got != tt.want {
					t.Errorf("BearerToken = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if got != "" {
				t.Errorf("BearerToken returned %q with an error", got)
			}
			checkRefusal(t, err, tt.status, tt.code, tt.reason)
		})
	}
	if _, err := BearerToken(http.Header{}); err != ErrNoCredential {
		t.Errorf("no header: error = %v, want ErrNoCredential itself", err)
	}
}

// TestTokenOutsideTheHeader sends a valid token every other way a client might, over a real
// HTTP server: none of them is read.
func TestTokenOutsideTheHeader(t *testing.T) {
	iss := authtest.NewIssuer(t)
	a := &Authenticator{JWT: newTestJWT(t, iss, nil, nil)}
	tok := iss.Token(claims())
	type result struct {
		id  *Identity
		err error
	}
	results := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := a.Authenticate(r.Context(), r.Header)
		results <- result{id, err}
	}))
	defer srv.Close()

	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
		reason string
	}{
		{"query string", func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/mcp?access_token="+tok, nil)
			return r
		}, 401, "", "no credential"},
		{"form body", func() *http.Request {
			r, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(url.Values{"access_token": {tok}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 401, "", "no credential"},
		{"another header", func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/mcp", nil)
			r.Header.Set("X-Access-Token", tok)
			return r
		}, 401, "", "no credential"},
		{"cookie", func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/mcp", nil)
			r.AddCookie(&http.Cookie{Name: "access_token", Value: tok})
			return r
		}, 401, "", "no credential"},
		{"two Authorization headers and a query token", func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/mcp?access_token="+tok, nil)
			r.Header.Add("Authorization", "Bearer "+tok)
			r.Header.Add("Authorization", "Bearer "+tok)
			return r
		}, 400, CodeInvalidRequest, "more than one Authorization header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tt.req())
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			resp.Body.Close()
			res := <-results
			checkRefusal(t, res.err, tt.status, tt.code, tt.reason)
		})
	}
	// The same token in the header is accepted: the refusals above are about where it was.
	r, _ := http.NewRequest("GET", srv.URL+"/mcp", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	resp.Body.Close()
	if res := <-results; res.err != nil || res.id.Subject != "alice" {
		t.Errorf("token in the header: %+v, %v", res.id, res.err)
	}
}

// token68Pattern is RFC 9110's token68, written independently of isToken68 for the fuzzer.
var token68Pattern = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)

func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer", "Bearer  a==", "Bearer a b", "", " Bearer\ta", "Bearer =", "Bearer é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, err := BearerToken(http.Header{"Authorization": {v}})
		if err != nil {
			e, ok := err.(*Error)
			if !ok || (e.Status != 400 && e.Status != 401) || e.Reason == "" {
				t.Fatalf("BearerToken(%q) error = %#v", v, err)
			}
			if tok != "" {
				t.Fatalf("BearerToken(%q) returned %q with an error", v, tok)
			}
			return
		}
		if !token68Pattern.MatchString(tok) {
			t.Fatalf("BearerToken(%q) accepted %q, which is not token68", v, tok)
		}
		if !strings.HasSuffix(strings.TrimRight(v, " \t"), tok) || !strings.EqualFold(strings.TrimLeft(v, " \t")[:6], "Bearer") {
			t.Fatalf("BearerToken(%q) = %q, not the credential of a Bearer header", v, tok)
		}
	})
}

func FuzzValidate(f *testing.F) {
	iss := authtest.NewIssuer(f)
	j := newTestJWT(f, iss, nil, nil)
	now := time.Now()
	// Seeds are near misses that no mutation can make valid: each would need a signature
	// from a key the JWKS serves over bytes it does not sign.
	for _, s := range []string{
		iss.Token(claims(), authtest.WithAlg("none")),
		iss.Token(claims(), authtest.WithAlg("HS256")),
		iss.Token(claims(), authtest.WithUnpublishedKey()),
		iss.Token(claims(), authtest.WithAlg("ES256"), authtest.WithUnpublishedKey()),
		iss.Token(claims("exp", now.Add(-time.Hour).Unix())),
		iss.Token(claims("aud", "https://other.example")),
		"a.b.c", "..", "", "eyJhbGciOiJSUzI1NiJ9..",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := j.Validate(context.Background(), tok)
		if err == nil {
			t.Fatalf("Validate accepted %q as %+v", tok, id)
		}
		e, ok := err.(*Error)
		if !ok || e.Status != 401 || e.Code != CodeInvalidToken || e.Reason == "" {
			t.Fatalf("Validate(%q) error = %#v", tok, err)
		}
	})
}
