package main

import (
	"database/sql"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestConfirmOnceAcrossReplicas: in protocol 2026-07-28 replicas that
// share --session-key-file accept each other's confirmation states, so
// each must also refuse a state another replica already ran, and a
// replica started later must refuse it too: with limits in Redis, the
// state is claimed there. An accepted answer replayed to the other
// replica and to a new process writes nothing more.
func TestConfirmOnceAcrossReplicas(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "session.key")
	if err := os.WriteFile(key, []byte(strings.Repeat("k", 48)), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "purges.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE purges (at TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	env := []string{"REDIS_URL=redis://" + redisAddr(t), "CONFIRM_DB=file:" + dbPath}
	start := func() string {
		_, url, _ := serveProcess(t, env, "--listen", "127.0.0.1:0", "--session-key-file", key, "testdata/e2e/confirm_once.hcl")
		return url
	}
	asked, answered := start(), start()

	hc := &http.Client{}
	purge := func(url, state string) (map[string]any, string) {
		t.Helper()
		params := map[string]any{"name": "purge", "arguments": map[string]any{}, "_meta": map[string]any{
			mcp.MetaKeyProtocolVersion:    mcp.ProtocolVersion20260728,
			mcp.MetaKeyClientInfo:         map[string]any{"name": "raw", "version": "1"},
			mcp.MetaKeyClientCapabilities: map[string]any{"elicitation": map[string]any{}},
		}}
		if state != "" {
			params["requestState"] = state
			params["inputResponses"] = map[string]any{"confirm": map[string]any{"action": "accept", "content": map[string]any{}}}
		}
		body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params})
		if err != nil {
			t.Fatal(err)
		}
		a, err := postMCP(hc, url, string(body), map[string]string{
			mcp.HeaderProtocolVersion: mcp.ProtocolVersion20260728, mcp.HeaderMethod: "tools/call", mcp.HeaderName: "purge"})
		if err != nil {
			t.Fatal(err)
		}
		var msg struct{ Result map[string]any }
		if err := json.Unmarshal([]byte(a.body), &msg); err != nil || msg.Result == nil {
			t.Fatalf("tools/call: status %d, %s (%v)", a.status, a.body, err)
		}
		return msg.Result, jsonString(msg.Result["content"])
	}
	purges := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow("SELECT count(*) FROM purges").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	res, _ := purge(asked, "")
	state, _ := res["requestState"].(string)
	if state == "" {
		t.Fatalf("no requestState from the replica that asked: %v", res)
	}
	if res, text := purge(answered, state); res["isError"] == true {
		t.Fatalf("the answer on another replica: %s, want the purge run", text)
	}
	later := start() // a replica started after the answer: a restart
	for i, url := range []string{asked, answered, later} {
		res, text := purge(url, state)
		if res["isError"] != true || !strings.Contains(text, "already used") || !strings.Contains(text, "Nothing was run") {
			t.Errorf("replay %d to %s: %s, want it refused as already used", i+1, url, text)
		}
	}
	if n := purges(); n != 1 {
		t.Errorf("%d purges recorded, want 1: the confirmation ran %d times", n, n)
	}

	// A replica whose Redis does not answer cannot tell whether the state
	// ran elsewhere: it refuses the answer rather than risk running twice.
	env = []string{"REDIS_URL=redis://" + closedAddr(t), "CONFIRM_DB=file:" + dbPath}
	noRedis := start()
	res, _ = purge(noRedis, "")
	state, _ = res["requestState"].(string)
	if res, text := purge(noRedis, state); state == "" || res["isError"] != true || !strings.Contains(text, "used only once") || !strings.Contains(text, "Nothing was run") {
		t.Errorf("an answer while Redis is down: %s, want it refused", text)
	}
	if n := purges(); n != 1 {
		t.Errorf("%d purges recorded after Redis went away, want still 1", n)
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
