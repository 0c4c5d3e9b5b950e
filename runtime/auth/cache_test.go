package auth

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

// TestCacheHonoursExpiry: a remembered token is refused once it expires, with the reason a
// fresh check would give.
func TestCacheHonoursExpiry(t *testing.T) {
	iss := authtest.NewIssuer(t)
	clock := &fakeClock{}
	j := newTestJWT(t, iss, clock, func(o *JWTOptions) { o.Leeway = 10 * time.Second })
	tok := iss.Token(claims("exp", time.Now().Add(time.Minute).Unix()))
	var first *Identity
	for range 2 {
		id, err := j.Validate(context.Background(), tok)
		if err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if first == nil {
			first = id
		}
	}
	if n := j.cache.len(); n != 1 {
		t.Fatalf("cache holds %d tokens, want 1", n)
	}
	if id, _ := j.Validate(context.Background(), tok); id != first || id.Subject != "alice" {
		t.Errorf("from the cache: %p %q, want the remembered identity %p, alice", id, id.Subject, first)
	}
	clock.advance(time.Minute + 5*time.Second) // inside the leeway
	if _, err := j.Validate(context.Background(), tok); err != nil {
		t.Errorf("within leeway: %v", err)
	}
	clock.advance(10 * time.Second)
	_, err := j.Validate(context.Background(), tok)
	checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, "token expired")
	if n := j.cache.len(); n != 0 {
		t.Errorf("cache holds %d tokens after expiry, want 0", n)
	}
}

// TestCacheForgetsWithdrawnKeys: once the issuer stops publishing a key, tokens it signed are
// refused even if they were validated before.
func TestCacheForgetsWithdrawnKeys(t *testing.T) {
	iss := authtest.NewIssuer(t)
	clock := &fakeClock{}
	j := newTestJWT(t, iss, clock, nil)
	old := iss.Token(claims())
	if _, err := j.Validate(context.Background(), old); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	iss.Rotate()
	iss.Rotate() // the first key is no longer served
	clock.advance(DefaultMinRefetch)
	if _, err := j.Validate(context.Background(), iss.Token(claims())); err != nil {
		t.Fatalf("token of the newest key: %v", err)
	}
	_, err := j.Validate(context.Background(), old)
	checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, "unknown key id")
}

func TestCacheSize(t *testing.T) {
	iss := authtest.NewIssuer(t)
	tests := []struct {
		size, want int
	}{{-1, 0}, {2, 2}, {0, 3}}
	for _, tt := range tests {
		j := newTestJWT(t, iss, nil, func(o *JWTOptions) { o.CacheSize = tt.size })
		for _, sub := range []string{"a", "b", "c"} {
			if _, err := j.Validate(context.Background(), iss.Token(claims("sub", sub))); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		}
		if n := j.cache.len(); n != tt.want {
			t.Errorf("CacheSize %d: cache holds %d tokens after 3, want %d", tt.size, n, tt.want)
		}
	}
	_, err := NewJWT(context.Background(), JWTOptions{Issuer: "i", Audience: "a", JWKSURL: iss.JWKSURL(), CacheSize: -2})
	if err == nil {
		t.Errorf("CacheSize -2 accepted")
	}
}

// TestMemoPerToken: what a caller keeps on a token's Memo is given back for that token only,
// for as long as the token is remembered and no longer: not once it has expired, not after the
// key set changed, and never for another token, even one with the same claims.
func TestMemoPerToken(t *testing.T) {
	iss := authtest.NewIssuer(t)
	clock := &fakeClock{}
	j := newTestJWT(t, iss, clock, nil)
	ctx := context.Background()
	exp := time.Now().Add(time.Minute).Unix()
	tok, twin := iss.Token(claims("exp", exp)), iss.Token(claims("exp", exp, "jti", "2"))
	validate := func(tok string) *Identity {
		t.Helper()
		id, err := j.Validate(ctx, tok)
		if err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if id.Memo == nil {
			t.Fatal("a remembered token's identity has no Memo")
		}
		return id
	}
	validate(tok).Memo.Store("tok's")
	if got := validate(tok).Memo.Load(); got != "tok's" {
		t.Errorf("the token's memo on its next use = %v, want tok's", got)
	}
	if got := validate(twin).Memo.Load(); got != nil {
		t.Errorf("another token with the same claims got %v from the memo", got)
	}

	iss.Rotate() // a new key set: every remembered token is forgotten
	clock.advance(DefaultMinRefetch)
	if _, err := j.Validate(ctx, iss.Token(claims())); err != nil { // a new key id refetches the set
		t.Fatalf("Validate after rotation: %v", err)
	}
	for _, old := range []string{tok, twin} {
		if _, _, ok := j.cache.get(old, clock.now()); ok {
			t.Fatal("a token remembered before the key set changed is still remembered, with its memo")
		}
	}

	tok = iss.Token(claims("exp", exp))
	validate(tok).Memo.Store("kept")
	clock.advance(time.Minute + time.Second)
	id, err := j.Validate(ctx, tok)
	checkRefusal(t, err, http.StatusUnauthorized, CodeInvalidToken, "token expired")
	if id != nil {
		t.Errorf("an expired token gave an identity, memo %v", id.Memo.Load())
	}

	uncached := newTestJWT(t, iss, clock, func(o *JWTOptions) { o.CacheSize = -1 })
	if id, err := uncached.Validate(ctx, iss.Token(claims())); err != nil || id.Memo != nil {
		t.Errorf("without a cache: identity %+v, %v; want no Memo", id, err)
	}
}

// TestRememberedTokenAllocatesNothing: a token seen before costs its hash
// and a map read, every request, without copying the token or its identity.
func TestRememberedTokenAllocatesNothing(t *testing.T) {
	iss := authtest.NewIssuer(t)
	j := newTestJWT(t, iss, &fakeClock{}, nil)
	tok := iss.Token(claims())
	if _, err := j.Validate(context.Background(), tok); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	var failed error
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := j.Validate(context.Background(), tok); err != nil {
			failed = err
		}
	})
	if failed != nil {
		t.Fatal(failed)
	}
	if allocs != 0 {
		t.Errorf("a remembered token allocates %.0f times per request, want 0", allocs)
	}
}
