package transport

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// TestSessionIDs: an id checks out for the caller it was issued to, under
// the key that issued it, and for nothing else.
func TestSessionIDs(t *testing.T) {
	ids := newSessionIDs(bytes.Repeat([]byte("k"), MinSessionKeyBytes))
	id := ids.issue("sub:alice", declared{})
	tampered, respelled := []byte(id), []byte(id)
	tampered[10] ^= 1
	respelled[len(respelled)-1] ^= 1 // the same bytes, but for unused bits
	cases := []struct {
		name   string
		ids    *sessionIDs
		id     string
		caller string
		want   bool
	}{
		{"its caller", ids, id, "sub:alice", true},
		{"another caller", ids, id, "sub:bob", false},
		{"the same name anonymous", ids, id, "addr:alice", false},
		{"another key", newSessionIDs(bytes.Repeat([]byte("x"), MinSessionKeyBytes)), id, "sub:alice", false},
		{"tampered", ids, string(tampered), "sub:alice", false},
		{"spelt otherwise", ids, string(respelled), "sub:alice", false},
		{"cut short", ids, id[:len(id)-1], "sub:alice", false},
		{"mcp-go's format", ids, "mcp-session-1b4e28ba-2fa1-11d2-883f-0016d3cca427", "sub:alice", false},
		{"empty", ids, "", "sub:alice", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := tc.ids.check(tc.id, tc.caller); got != tc.want {
				t.Errorf("check(%q, %q) = %v, want %v", tc.id, tc.caller, got, tc.want)
			}
		})
	}
	if again := ids.issue("sub:alice", declared{}); again == id {
		t.Errorf("two sessions got the same id %s", id)
	}
	for _, c := range id {
		if c < 0x21 || c > 0x7e {
			t.Fatalf("id %q holds %q: session ids are visible ASCII", id, c)
		}
	}
}

func TestReadSessionKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := dir + "/" + name
		if err := writeFile(p, text); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key, err := ReadSessionKey(write("ok", strings.Repeat("k", 40)+"\n"))
	if err != nil || len(key) != 40 {
		t.Errorf("a 40-byte key and a newline: %d bytes, %v", len(key), err)
	}
	if _, err := ReadSessionKey(write("short", "short\n")); err == nil || !strings.Contains(err.Error(), "holds 5 bytes; a session key needs at least 32") || strings.Contains(err.Error(), "short\n") {
		t.Errorf("a short key: %v", err)
	}
	if _, err := ReadSessionKey(write("blank", strings.Repeat(" ", 40))); err == nil || !strings.Contains(err.Error(), "only white space") {
		t.Errorf("a blank key: %v", err)
	}
}

// TestCallersForget: idle sessions are forgotten by the sweep (not while a
// stream is open on them), and ended ids are remembered until they would
// have expired, never more of them than the total of sessions.
func TestCallersForget(t *testing.T) {
	c := &callers{
		mcp:      server.NewMCPServer("test", "0"),
		ids:      newSessionIDs(RandomSessionKey()),
		limits:   CallerLimits{SessionsPerCaller: 10, Sessions: 3, StreamsPerCaller: 10, Streams: 10},
		ttl:      time.Minute,
		sessions: map[string]*session{},
		ended:    map[string]time.Time{},
		by:       map[string]*holdings{},
	}
	a, _, _ := c.openSession("sub:alice", declared{})
	b, _, _ := c.openSession("sub:alice", declared{})
	release, no := c.openStream("sub:alice", b)
	if no != nil {
		t.Fatal(no.Message)
	}
	c.sweep(time.Now().Add(2 * time.Minute))
	if _, ok := c.sessions[a]; ok {
		t.Error("an idle session was kept")
	}
	if _, ok := c.sessions[b]; !ok {
		t.Error("a session with an open stream was forgotten")
	}
	release()
	c.sweep(time.Now().Add(2 * time.Minute))
	if len(c.sessions) != 0 || len(c.by) != 0 || c.streams != 0 {
		t.Errorf("after the streams closed and the sweep: %d sessions, %d callers, %d streams", len(c.sessions), len(c.by), c.streams)
	}

	for range 5 {
		id, _, no := c.openSession("sub:bob", declared{})
		if no != nil {
			t.Fatal(no.Message)
		}
		c.endSession(id)
	}
	if len(c.ended) != c.limits.Sessions {
		t.Errorf("%d ended ids remembered, want at most %d", len(c.ended), c.limits.Sessions)
	}
	c.sweep(time.Now().Add(2 * time.Minute))
	if len(c.ended) != 0 {
		t.Errorf("%d ended ids remembered past their expiry", len(c.ended))
	}
}

func TestIDKey(t *testing.T) {
	cases := []struct {
		raw  string
		key  string
		isID bool
	}{
		{`1`, "n1", true},
		{`1.0`, "n1", true},
		{` 7 `, "n7", true},
		{`"1"`, "s1", true},
		{`"abc"`, "sabc", true},
		{`null`, "", false},
		{`{}`, "", false},
		{`[1]`, "", false},
		{`true`, "", false},
		{``, "", false},
	}
	for _, tc := range cases {
		key, ok := idKey(json.RawMessage(tc.raw))
		if key != tc.key || ok != tc.isID {
			t.Errorf("idKey(%s) = %q, %v; want %q, %v", tc.raw, key, ok, tc.key, tc.isID)
		}
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o600) }
