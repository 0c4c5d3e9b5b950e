package auth

import (
	"context"
	"testing"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

// BenchmarkValidate measures the full check (signature, claims, decoding) with the cache off,
// and the cost of a token seen before with it on.
func BenchmarkValidate(b *testing.B) {
	iss := authtest.NewIssuer(b)
	uncached := newTestJWT(b, iss, nil, func(o *JWTOptions) { o.CacheSize = -1 })
	cached := newTestJWT(b, iss, nil, nil)
	for _, bm := range []struct {
		name, alg string
		j         *JWT
	}{{"RS256", "RS256", uncached}, {"ES256", "ES256", uncached}, {"RS256 cached", "RS256", cached}} {
		tok := iss.Token(claims("org", "acme", "scope", "orders.read catalog.read"), authtest.WithAlg(bm.alg))
		j := bm.j
		b.Run(bm.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := j.Validate(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAPIKeysLookup(b *testing.B) {
	k, secrets := testKeys(b, 100)
	for _, bm := range []struct {
		name, key string
		found     bool
	}{{"100 keys, hit", secrets[50], true}, {"100 keys, miss", "mcpk_" + secrets[0][5:10] + "nope", false}} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := k.Lookup(bm.key); ok != bm.found {
					b.Fatalf("found = %v", ok)
				}
			}
		})
	}
}
