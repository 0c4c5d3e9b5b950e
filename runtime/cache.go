package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/cache"
)

// toolCache keeps a read-only tool's successful results.
type toolCache struct {
	entries *cache.Cache[cachedResult]
	shared  bool
}

type cachedResult struct {
	text       []byte
	structured any
	rows       int
}

func newToolCache(c *cfg.Cache) *toolCache {
	return &toolCache{entries: cache.New[cachedResult](c.TTL, c.MaxEntries, nil), shared: c.Shared}
}

// key hashes what a result depends on: the tool, its arguments and the
// values bound from the caller, plus, unless the cache is shared, the
// caller itself, so that no caller sees another's result. Arguments are
// validated values; encoding/json writes map keys sorted, so equal
// arguments give equal bytes.
func (c *toolCache) key(t *toolEntry, ctx context.Context, args, binds map[string]any) (string, error) {
	h := sha256.New()
	h.Write([]byte(t.decl.Name))
	h.Write([]byte{0})
	enc := json.NewEncoder(h)
	if err := enc.Encode(args); err != nil {
		return "", err
	}
	if err := enc.Encode(binds); err != nil {
		return "", err
	}
	if !c.shared {
		h.Write([]byte(PrincipalFrom(ctx).Subject))
	}
	return string(h.Sum(nil)), nil
}

// lookup returns the cached result for this call, filling in its audit
// record, or the key to store the result under.
func (c *toolCache) lookup(t *toolEntry, ctx context.Context, args, binds map[string]any, rec *audit.Record) (key string, hit bool, res *mcp.CallToolResult) {
	key, err := c.key(t, ctx, args, binds)
	if err != nil {
		return "", false, nil // not cacheable; the call runs
	}
	e, ok := c.entries.Get(key)
	if !ok {
		return key, false, nil
	}
	rec.Outcome, rec.Rows, rec.Bytes, rec.Cached = audit.OK, e.rows, len(e.text), true
	return "", true, &mcp.CallToolResult{
		Content:              []mcp.Content{mcp.NewTextContent(string(e.text))},
		StructuredContent:    e.structured,
		RawStructuredContent: e.text,
	}
}

// keep stores a successful result when the tool caches.
func (a admission) keep(res *adapter.Result, text []byte) {
	if a.cacheKey == "" {
		return
	}
	a.t.limits.cache.entries.Put(a.cacheKey, cachedResult{text: text, structured: res.Structured, rows: res.Rows})
}
