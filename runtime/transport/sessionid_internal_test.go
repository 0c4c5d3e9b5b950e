package transport

import "testing"

// TestSessionCheckAllocates checks that every request on a session, which
// the gate checks (and mcp-go validates) by its HMAC, reuses the HMAC
// state instead of building it, and still gives the same verdicts.
func TestSessionCheckAllocates(t *testing.T) {
	ids := newSessionIDs(RandomSessionKey())
	id := ids.issue("sub:alice")
	changed := []byte(id)
	if changed[10] ^= 1; changed[10] == id[10] {
		t.Fatal("unchanged")
	}
	if !ids.check(id, "sub:alice") || ids.check(id, "sub:bob") || ids.check(string(changed), "sub:alice") {
		t.Fatal("a session id must pass for its caller only, and not once changed")
	}
	if other := newSessionIDs(RandomSessionKey()); other.check(id, "sub:alice") {
		t.Fatal("another key accepted the id")
	}
	// None in a normal build (10 before the state was pooled); the race
	// detector drops some of what a sync.Pool is given.
	if n := testing.AllocsPerRun(100, func() { ids.check(id, "sub:alice") }); n > 4 {
		t.Errorf("%.0f allocations per check, want none", n)
	}
}
