package auth

import (
	"crypto/sha256"
	"sync"
	"time"
	"unsafe"
)

// DefaultCacheSize is how many validated tokens a JWT remembers when JWTOptions.CacheSize is 0.
const DefaultCacheSize = 4096

// tokenCache remembers tokens that passed every check, until they expire. A client sends the
// same token on every call for its whole lifetime, and a signature check costs far more than
// the call it guards; a hit costs one SHA-256 and a map read. Only verified tokens are ever
// stored, keyed by the hash of the whole token, so a look-alike cannot hit.
type tokenCache struct {
	mu      sync.RWMutex
	max     int
	entries map[[32]byte]cachedToken
	// gen counts clears. A validation that began before a clear may have used a key that
	// is now withdrawn; put refuses its result.
	gen uint64
}

type cachedToken struct {
	id  *Identity
	exp time.Time // exp plus leeway: the first instant the token is refused
}

func newTokenCache(max int) *tokenCache {
	if max <= 0 {
		return nil
	}
	return &tokenCache{max: max, entries: make(map[[32]byte]cachedToken)}
}

// get returns the identity of a remembered token, and whether the token has expired since.
func (c *tokenCache) get(token string, now time.Time) (id *Identity, expired, ok bool) {
	if c == nil {
		return nil, false, false
	}
	k := sum256(token)
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok {
		return nil, false, false
	}
	if !now.Before(e.exp) {
		c.mu.Lock()
		delete(c.entries, k)
		c.mu.Unlock()
		return nil, true, true
	}
	return e.id, false, true
}

// generation is to be read before choosing the key, and passed to put.
func (c *tokenCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *tokenCache) put(token string, id *Identity, exp, now time.Time, gen uint64) {
	if c == nil || !now.Before(exp) {
		return
	}
	k := sum256(token)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.exp) {
				delete(c.entries, k)
			}
		}
		// Still full: drop arbitrary entries (map order is random); they are re-verified
		// on their next use, which costs time, never correctness.
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[k] = cachedToken{id: id, exp: exp}
}

// clear forgets every token, when the key set changes: a key the issuer withdrew must stop
// vouching for tokens at once, not when they expire.
func (c *tokenCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	clear(c.entries)
	c.gen++
	c.mu.Unlock()
}

func (c *tokenCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// sum256 is the SHA-256 of s, hashed where s is: []byte(s) would copy a
// token of up to 8 KiB to the heap on every request, and the hash only
// reads its input.
func sum256(s string) [32]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(s), len(s)))
}
