package auth

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

// testAudience is the canonical URL of the MCP server under test (RFC 8707).
const testAudience = "http://127.0.0.1:8080/mcp"

// fakeClock is a clock a test moves by hand, so rate limits are tested without sleeping.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// newTestJWT builds a validator for iss; edit adjusts the options.
func newTestJWT(t testing.TB, iss *authtest.Issuer, clock *fakeClock, edit func(*JWTOptions)) *JWT {
	t.Helper()
	o := JWTOptions{Issuer: iss.URL(), Audience: testAudience, JWKSURL: iss.JWKSURL()}
	if edit != nil {
		edit(&o)
	}
	now := time.Now
	if clock != nil {
		now = clock.now
	}
	j, err := newJWT(context.Background(), o, now, nil)
	if err != nil {
		t.Fatalf("NewJWT: %v", err)
	}
	t.Cleanup(j.Close)
	return j
}

// claims are those of an ordinary valid token, with extra pairs merged in.
func claims(extra ...any) map[string]any {
	c := map[string]any{"sub": "alice", "aud": testAudience, "scope": "orders.read"}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

// checkRefusal fails the test unless err is an *Error with the given status, code and a reason
// starting with reason.
func checkRefusal(t *testing.T, err error, status int, code, reason string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *auth.Error", err, err)
	}
	if e.Status != status || e.Code != code || !strings.HasPrefix(e.Reason, reason) {
		t.Errorf("refusal = {%d %q %q}, want {%d %q %q...}", e.Status, e.Code, e.Reason, status, code, reason)
	}
}
