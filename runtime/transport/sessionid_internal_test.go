package transport

import (
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestSessionCheckAllocates checks that every request on a session, which
// the gate checks (and mcp-go validates) by its HMAC, reuses the HMAC
// state instead of building it, and still gives the same verdicts.
func TestSessionCheckAllocates(t *testing.T) {
	ids := newSessionIDs(RandomSessionKey())
	id := ids.issue("sub:alice", declare(mcp.ProtocolVersion20251125, formClient()))
	changed := []byte(id)
	if changed[10] ^= 1; changed[10] == id[10] {
		t.Fatal("unchanged")
	}
	if !checks(ids, id, "sub:alice") || checks(ids, id, "sub:bob") || checks(ids, string(changed), "sub:alice") {
		t.Fatal("a session id must pass for its caller only, and not once changed")
	}
	if other := newSessionIDs(RandomSessionKey()); checks(other, id, "sub:alice") {
		t.Fatal("another key accepted the id")
	}
	// None in a normal build (10 before the state was pooled); the race
	// detector drops some of what a sync.Pool is given.
	if n := testing.AllocsPerRun(100, func() { ids.check(id, "sub:alice") }); n > 4 {
		t.Errorf("%.0f allocations per check, want none", n)
	}
}

func checks(ids *sessionIDs, id, caller string) bool {
	_, ok := ids.check(id, caller)
	return ok
}

// formClient declares what mcp-go's client declares with an elicitation
// handler: elicitation (forms), and roots that notify of changes.
func formClient() mcp.ClientCapabilities {
	var c mcp.ClientCapabilities
	c.Elicitation = &mcp.ElicitationCapability{Form: &struct{}{}}
	c.Roots = &struct {
		ListChanged bool `json:"listChanged,omitempty"`
	}{ListChanged: true}
	return c
}

// issueV1 issues an id as releases before s2_ did.
func (k *sessionIDs) issueV1(caller string) string {
	var b [sessionRandLen + sessionMACLen]byte
	_, _ = rand.Read(b[:sessionRandLen])
	m := k.mac(macVersionV1, caller, b[:sessionRandLen])
	copy(b[sessionRandLen:], m.sum[:sessionMACLen])
	k.macs.Put(m)
	return sessionIDPrefixV1 + base64.RawURLEncoding.EncodeToString(b[:])
}

// TestSessionIDDeclared: an s2_ id carries what its client declared, under
// the MAC: a replica that checks it reads the same declaration back, and an
// id whose declaration was changed, or that is shown by another caller, is
// refused. s1_ ids, issued before, pass and declare nothing.
func TestSessionIDDeclared(t *testing.T) {
	ids := newSessionIDs(RandomSessionKey())
	replica := newSessionIDs(ids.key)
	var everything mcp.ClientCapabilities
	everything.Elicitation = &mcp.ElicitationCapability{Form: &struct{}{}, URL: &struct{}{}}
	everything.Sampling = &mcp.SamplingCapability{Context: &struct{}{}, Tools: &struct{}{}}
	everything.Roots = &struct {
		ListChanged bool `json:"listChanged,omitempty"`
	}{ListChanged: true}
	declarations := []struct {
		name    string
		version string
		caps    mcp.ClientCapabilities
	}{
		{"nothing", mcp.ProtocolVersion20250326, mcp.ClientCapabilities{}},
		{"forms", mcp.ProtocolVersion20251125, formClient()},
		{"elicitation without modes", mcp.ProtocolVersion20250618, mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}},
		{"urls only", mcp.ProtocolVersion20251125, mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{URL: &struct{}{}}}},
		{"sampling", mcp.ProtocolVersion20241105, mcp.ClientCapabilities{Sampling: &mcp.SamplingCapability{}}},
		{"everything", mcp.ProtocolVersion20251125, everything},
	}
	for _, dc := range declarations {
		t.Run(dc.name, func(t *testing.T) {
			d := declare(dc.version, dc.caps)
			id := ids.issue("sub:alice", d)
			if len(id) != sessionIDLen || id[:len(sessionIDPrefix)] != sessionIDPrefix {
				t.Fatalf("id %q: want %d characters starting %s", id, sessionIDLen, sessionIDPrefix)
			}
			got, ok := replica.check(id, "sub:alice")
			if !ok || got != d {
				t.Fatalf("the replica read %+v, %v; want %+v, true", got, ok, d)
			}
			var restored clientState
			got.restore(&restored)
			if v := restored.ProtocolVersion(); v != dc.version {
				t.Errorf("restored version %q, want %q", v, dc.version)
			}
			if caps := restored.GetClientCapabilities(); declare(dc.version, caps) != d {
				t.Errorf("restored capabilities %+v declare otherwise than %+v", caps, dc.caps)
			}
			if _, ok := replica.check(id, "sub:bob"); ok {
				t.Error("another caller's id passed")
			}
			raw, err := strictB64.DecodeString(id[len(sessionIDPrefix):])
			if err != nil {
				t.Fatal(err)
			}
			for bit := range 16 { // every bit of the version and the flags
				changed := append([]byte(nil), raw...)
				changed[sessionRandLen+bit/8] ^= 1 << (bit % 8)
				forged := sessionIDPrefix + base64.RawURLEncoding.EncodeToString(changed)
				if _, ok := replica.check(forged, "sub:alice"); ok {
					t.Errorf("the id with declaration bit %d flipped passed", bit)
				}
			}
		})
	}

	t.Run("s1", func(t *testing.T) {
		id := ids.issueV1("sub:alice")
		got, ok := replica.check(id, "sub:alice")
		if !ok || got != (declared{}) {
			t.Fatalf("an s1_ id: %+v, %v; want nothing declared, true", got, ok)
		}
		if _, ok := replica.check(id, "sub:bob"); ok {
			t.Error("another caller's s1_ id passed")
		}
		// An s1_ MAC does not pass as an s2_ one, nor the other way.
		if _, ok := replica.check(sessionIDPrefix+id[len(sessionIDPrefixV1):], "sub:alice"); ok {
			t.Error("an s1_ id passed as s2_")
		}
		v2 := ids.issue("sub:alice", declared{})
		if _, ok := replica.check(sessionIDPrefixV1+v2[len(sessionIDPrefix):], "sub:alice"); ok {
			t.Error("an s2_ id passed as s1_")
		}
	})

	// Declarations declare never writes are refused even under a valid
	// MAC: one declaration, one spelling.
	for _, d := range []declared{
		{version: uint8(len(sessionVersions))},
		{caps: capElicitationForm},
		{caps: capSamplingTools},
		{caps: capRootsListChanged},
	} {
		if _, ok := replica.check(ids.issue("sub:alice", d), "sub:alice"); ok {
			t.Errorf("an id declaring %+v passed", d)
		}
	}
}

// BenchmarkSessionCheck is the gate's check of a session id, which every
// request on a session pays: an s2_ id (with its declaration) against an
// s1_ one.
func BenchmarkSessionCheck(b *testing.B) {
	ids := newSessionIDs(RandomSessionKey())
	for _, v := range []struct{ name, id string }{
		{"s1", ids.issueV1("sub:alice")},
		{"s2", ids.issue("sub:alice", declare(mcp.ProtocolVersion20251125, formClient()))},
	} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ids.check(v.id, "sub:alice"); !ok {
					b.Fatal("refused")
				}
			}
		})
	}
}
