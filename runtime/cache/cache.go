// Package cache is a bounded cache whose entries expire: at most MaxEntries
// entries, least recently used evicted first, each kept for TTL. It knows
// nothing of what it stores or how keys are made (the runtime keys entries
// by tool, canonical arguments and caller). It imports no mcpgen package.
package cache

import (
	"container/list"
	"sync"
	"time"
)

// Cache is safe for concurrent use.
type Cache[V any] struct {
	mu         sync.Mutex
	ttl        time.Duration
	maxEntries int
	now        func() time.Time
	entries    map[string]*list.Element
	lru        list.List // front: most recently used
}

type entry[V any] struct {
	key     string
	value   V
	expires time.Time
}

// New returns a cache of at most maxEntries (at least 1) entries kept for
// ttl. now is the clock; nil means time.Now.
func New[V any](ttl time.Duration, maxEntries int, now func() time.Time) *Cache[V] {
	if now == nil {
		now = time.Now
	}
	return &Cache[V]{ttl: ttl, maxEntries: max(maxEntries, 1), now: now, entries: map[string]*list.Element{}}
}

// Get returns the value under key if it has not expired.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	e := el.Value.(*entry[V])
	if !c.now().Before(e.expires) {
		c.remove(el)
		var zero V
		return zero, false
	}
	c.lru.MoveToFront(el)
	return e.value, true
}

// Put stores value under key for the TTL, evicting the least recently used
// entry when the cache is full.
func (c *Cache[V]) Put(key string, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	expires := c.now().Add(c.ttl)
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*entry[V])
		e.value, e.expires = value, expires
		c.lru.MoveToFront(el)
		return
	}
	for len(c.entries) >= c.maxEntries {
		c.remove(c.lru.Back())
	}
	c.entries[key] = c.lru.PushFront(&entry[V]{key: key, value: value, expires: expires})
}

// Clear drops every entry.
func (c *Cache[V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.lru.Init()
}

// Len is the number of entries held, expired ones included until they are
// looked up or evicted.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *Cache[V]) remove(el *list.Element) {
	c.lru.Remove(el)
	delete(c.entries, el.Value.(*entry[V]).key)
}
