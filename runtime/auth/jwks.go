package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

const (
	// maxJWKSBytes bounds what a misbehaving key server can make us read and parse.
	maxJWKSBytes = 1 << 20
	// minRSABits refuses keys that no longer protect anything.
	minRSABits = 2048
	// firstRetry and maxRetry bound the back-off after a failed fetch.
	firstRetry = time.Second
	maxRetry   = 5 * time.Minute
)

// jwksCache holds the issuer's public keys by kid. Lookups are lock-free; fetches are
// serialised by mu, so a burst of tokens with an unknown kid waits for one fetch instead of
// each starting its own, and at most one such fetch happens per minRefetch.
type jwksCache struct {
	url          string
	client       *http.Client
	refreshEvery time.Duration
	minRefetch   time.Duration
	now          func() time.Time

	keys    atomic.Pointer[map[string]publicKey]
	lastErr atomic.Pointer[error]

	mu        sync.Mutex
	lastFetch time.Time // when the last fetch started, whether it worked or not

	// afterFetch, when set (by tests), is called after every fetch with its outcome.
	afterFetch func(error)
	// onNewKeys is called after each successful fetch, before the new keys are used.
	onNewKeys func()

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

func newJWKSCache(url string, client *http.Client, refreshEvery, minRefetch time.Duration, now func() time.Time) *jwksCache {
	c := &jwksCache{url: url, client: client, refreshEvery: refreshEvery, minRefetch: minRefetch, now: now, done: make(chan struct{})}
	err := errors.New("JWKS not fetched yet")
	c.lastErr.Store(&err)
	return c
}

// start fetches once, then refreshes in the background until ctx ends or close is called.
func (c *jwksCache) start(ctx context.Context) {
	c.refresh(ctx)
	ctx, c.cancel = context.WithCancel(ctx)
	go c.loop(ctx)
}

func (c *jwksCache) loop(ctx context.Context) {
	defer close(c.done)
	retry := firstRetry
	for {
		wait := c.refreshEvery
		if c.keys.Load() == nil || *c.lastErr.Load() != nil {
			// Until it works, retry sooner than the refresh interval, backing off so a dead
			// key server is not hammered.
			wait = min(retry, c.refreshEvery)
			retry = min(2*retry, maxRetry)
		} else {
			retry = firstRetry
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		c.refresh(ctx)
	}
}

func (c *jwksCache) refresh(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fetchLocked(ctx)
}

func (c *jwksCache) close() {
	c.closeOnce.Do(func() {
		c.cancel()
		<-c.done
	})
}

func (c *jwksCache) ready() error {
	if c.keys.Load() != nil {
		return nil
	}
	return *c.lastErr.Load()
}

// key returns the key for kid. An unknown kid may mean the issuer rotated its keys, so it
// triggers a fetch, unless one started less than minRefetch ago: otherwise anyone could make
// us hammer the key server with made-up kids.
func (c *jwksCache) key(ctx context.Context, kid string) (publicKey, bool) {
	if m := c.keys.Load(); m != nil {
		if k, ok := (*m)[kid]; ok {
			return k, true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A fetch that finished while we waited for the lock may have brought the key.
	if m := c.keys.Load(); m != nil {
		if k, ok := (*m)[kid]; ok {
			return k, true
		}
	}
	if !c.lastFetch.IsZero() && c.now().Sub(c.lastFetch) < c.minRefetch {
		return publicKey{}, false
	}
	c.fetchLocked(ctx)
	if m := c.keys.Load(); m != nil {
		k, ok := (*m)[kid]
		return k, ok
	}
	return publicKey{}, false
}

// fetchLocked replaces the key set with the server's, or keeps the old one and records why
// not. Callers hold c.mu.
func (c *jwksCache) fetchLocked(ctx context.Context) {
	c.lastFetch = c.now()
	keys, err := c.fetch(ctx)
	if err != nil {
		err = fmt.Errorf("JWKS %s: %w", c.url, err)
		c.lastErr.Store(&err)
	} else {
		c.keys.Store(&keys)
		if c.onNewKeys != nil {
			c.onNewKeys()
		}
		c.lastErr.Store(&err)
	}
	if c.afterFetch != nil {
		c.afterFetch(err)
	}
}

func (c *jwksCache) fetch(ctx context.Context) (map[string]publicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxJWKSBytes)
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("not a JWK set: %w", err)
	}
	keys := usableKeys(set)
	if len(keys) == 0 {
		return nil, errors.New("no usable signing key (RSA of 2048 bits or more, EC or Ed25519, with a kid)")
	}
	return keys, nil
}

// usableKeys keeps the public signing keys that have a kid. Symmetric keys are dropped even
// if the server publishes one: a JWKS must never hand us an HMAC secret.
func usableKeys(set jwk.Set) map[string]publicKey {
	keys := make(map[string]publicKey, set.Len())
	for i := range set.Len() {
		key, ok := set.Key(i)
		if !ok {
			continue
		}
		kid, _ := key.KeyID()
		if kid == "" {
			continue
		}
		if _, seen := keys[kid]; seen {
			continue // the first of duplicate kids wins, as jwx's own key sets do
		}
		if use, ok := key.KeyUsage(); ok && use != "sig" {
			continue
		}
		var raw any
		if err := jwk.Export(key, &raw); err != nil {
			continue
		}
		var pub any
		switch k := raw.(type) {
		case *rsa.PublicKey:
			pub = k
		case *rsa.PrivateKey:
			pub = &k.PublicKey
		case *ecdsa.PublicKey:
			pub = k
		case *ecdsa.PrivateKey:
			pub = &k.PublicKey
		case ed25519.PublicKey:
			pub = k
		case ed25519.PrivateKey:
			pub = k.Public()
		default:
			continue
		}
		if rk, ok := pub.(*rsa.PublicKey); ok && rk.N.BitLen() < minRSABits {
			continue
		}
		var alg string
		if a, ok := key.Algorithm(); ok {
			alg = a.String()
		}
		keys[kid] = publicKey{pub: pub, alg: alg}
	}
	return keys
}
