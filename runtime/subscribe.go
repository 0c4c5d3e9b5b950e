package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Resource subscriptions. mcp-go acknowledges resources/subscribe and
// leaves the bookkeeping to the server: which session asked for which
// URI. A reload that changes a subscribed resource (what reading it
// returns or runs, or how it is listed) or removes it sends
// notifications/resources/updated to every session subscribed to its URI.
// Template URIs are subscribed by the URI read, which a reload cannot map
// to a change, so only static resources are watched.

// subscriptions maps sessions to the URIs they subscribed to.
type subscriptions struct {
	mu        sync.Mutex
	bySession map[string]map[string]bool
}

// hook keeps the books from mcp-go's hooks. readable says whether the
// caller may read a static resource: a subscription to one it may not is
// acknowledged like any other (so it learns nothing from the answer) but
// never recorded, or its updates would tell the caller when a resource
// hidden from it changes.
func (s *subscriptions) hook(h *server.Hooks, readable func(ctx context.Context, uri string) bool) {
	h.AddAfterSubscribe(func(ctx context.Context, _ any, req *mcp.SubscribeRequest, _ *mcp.EmptyResult) {
		id := sessionID(ctx)
		if id == "" || req == nil || !readable(ctx, req.Params.URI) {
			return // no session to tell later, or nothing it may hear
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.bySession == nil {
			s.bySession = map[string]map[string]bool{}
		}
		if s.bySession[id] == nil {
			s.bySession[id] = map[string]bool{}
		}
		s.bySession[id][req.Params.URI] = true
	})
	h.AddAfterUnsubscribe(func(ctx context.Context, _ any, req *mcp.UnsubscribeRequest, _ *mcp.EmptyResult) {
		if req == nil {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.bySession[sessionID(ctx)], req.Params.URI)
	})
	h.AddOnUnregisterSession(func(_ context.Context, cs server.ClientSession) {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.bySession, cs.SessionID())
	})
}

// readableResource reports whether the caller in ctx may read the static
// resource at uri in the serving generation.
func (s *Server) readableResource(ctx context.Context, uri string) bool {
	gen := s.gen.Load()
	if gen == nil {
		return false
	}
	ctx = gen.caller(ctx)
	for _, e := range gen.resources {
		if e.tmpl == nil && e.decl.URI == uri {
			return e.visible(ctx)
		}
	}
	return false
}

// subscribers returns, for each URI in uris, the sessions subscribed to it.
func (s *subscriptions) subscribers(uris map[string]bool) map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]string{}
	for session, subscribed := range s.bySession {
		for uri := range subscribed {
			if uris[uri] {
				out[uri] = append(out[uri], session)
			}
		}
	}
	return out
}

// resourcesUpdated tells the subscribers of every static resource that
// next changed or removed, compared with old (nil at start: nothing).
func (s *Server) resourcesUpdated(old *Generation, next *Surface) {
	if old == nil {
		return
	}
	was, now := resourcePrints(old.Surface()), resourcePrints(next)
	touched := map[string]bool{}
	for uri, p := range was {
		if now[uri] != p {
			touched[uri] = true
		}
	}
	if len(touched) == 0 {
		return
	}
	for uri, sessions := range s.subs.subscribers(touched) {
		for _, id := range sessions {
			// A session that is gone, or has no stream open, misses it.
			_ = s.mcp.SendNotificationToSpecificClient(id, mcp.MethodNotificationResourceUpdated, map[string]any{"uri": uri})
		}
	}
}

// resourcePrints fingerprints each static resource of a surface by what
// clients see and what reading it does, leaving out where it is declared:
// moving a block changes nothing.
func resourcePrints(sf *Surface) map[string][32]byte {
	out := map[string][32]byte{}
	for _, r := range sf.Resources {
		if r.Resource == nil {
			continue
		}
		r.Declared = ""
		if r.Query != nil {
			q := *r.Query
			q.Declared = ""
			r.Query = &q
		}
		b, err := json.Marshal(r)
		if err != nil {
			continue
		}
		out[r.Resource.URI] = sha256.Sum256(b)
	}
	return out
}
