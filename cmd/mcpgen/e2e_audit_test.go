package main

// End-to-end tests of the audit trail's edges: a flood of refused
// requests, the default limit on them beyond loopback, requests that do
// not parse (over HTTP and stdio), and records with oversized arguments.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
)

const (
	floodConfig = "testdata/e2e/flood.hcl"
	floodKey    = "mcpk_test_full" // its api_key "full", subject svc-full
)

// serveFlood runs `mcpgen serve` on flood.hcl listening on listen, with its
// audit trail in a file of the test's own. It returns the MCP URL on
// 127.0.0.1, the process and its log; the path is the audit file's.
func serveFlood(t *testing.T, listen string, args ...string) (url, path string, cmd *exec.Cmd, logs *logLines) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "audit.log")
	var served string
	cmd, served, logs = serveProcess(t, []string{"AUDIT_PATH=" + path}, append([]string{"--listen", listen, floodConfig}, args...)...)
	port := regexp.MustCompile(`:(\d+)/`).FindStringSubmatch(served)
	if port == nil {
		t.Fatalf("no port in %q", served)
	}
	return "http://127.0.0.1:" + port[1] + "/mcp", path, cmd, logs
}

// stopServe ends the process as an operator does, which closes the audit
// trail, and returns the trail's records.
func stopServe(t *testing.T, cmd *exec.Cmd, logs *logLines, path string) (records []map[string]any, size int) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("server exited with %v; log:\n%s", err, logs)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line is not JSON: %.300q", line)
		}
		records = append(records, r)
	}
	return records, len(data)
}

// httpAnswer is one HTTP answer, read whole.
type httpAnswer struct {
	status int
	header http.Header
	body   string
}

// postMCP sends body to the MCP endpoint with headers. It does not touch
// t, so a goroutine may call it.
func postMCP(client *http.Client, url, body string, headers map[string]string) (httpAnswer, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return httpAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return httpAnswer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return httpAnswer{status: resp.StatusCode, header: resp.Header, body: string(data)}, err
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// TestRefusalFlood: a flood of requests without credentials writes a few
// records and one summary, not one line each, while an authenticated call
// in the middle of it is still recorded in full.
func TestRefusalFlood(t *testing.T) {
	const clients, each = 4, 500
	url, path, cmd, logs := serveFlood(t, "127.0.0.1:0")
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Go(func() {
			client := &http.Client{}
			for range each {
				a, err := postMCP(client, url, initializeBody, nil)
				if err == nil && a.status != http.StatusUnauthorized {
					err = fmt.Errorf("status %d, want 401: %s", a.status, a.body)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var echoed map[string]any
	rawRequest(t, url, floodKey, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}`, &echoed)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	records, size := stopServe(t, cmd, logs, path)
	const n = clients * each
	t.Logf("%d refused requests and one call wrote %d audit bytes in %d records", n, size, len(records))
	var denied, calls int
	var summary map[string]any
	for _, r := range records {
		switch {
		case r["outcome"] == audit.Denied:
			denied++
		case r["outcome"] == audit.Summary:
			if summary != nil {
				t.Errorf("a second summary: %v", r)
			}
			summary = r
		case r["tool"] == "echo" && r["subject"] == "svc-full" && r["outcome"] == audit.OK:
			calls++
		default:
			t.Errorf("unexpected record %v", r)
		}
	}
	if denied != audit.RefusalsWritten || calls != 1 {
		t.Errorf("%d refusals and %d calls recorded in full, want %d and 1", denied, calls, audit.RefusalsWritten)
	}
	reasons, _ := json.Marshal(summary["reasons"])
	if summary["refused"] != float64(n-audit.RefusalsWritten) || summary["remote"] != "127.0.0.1" ||
		string(reasons) != fmt.Sprintf(`{"authentication: no credential":%d}`, n-audit.RefusalsWritten) {
		t.Errorf("summary = %v, want %d more refused from 127.0.0.1, all for want of a credential", summary, n-audit.RefusalsWritten)
	}
	if size > 4096 {
		t.Errorf("%d refused requests wrote %d bytes, want at most 4096", n, size)
	}
}

// TestDefaultRefusedLimit: served beyond loopback without an
// http_rate_limit, an address that keeps sending no credentials is
// answered 429 before its credentials are read, after a burst; the
// operator is told, and the refusals are summed up in the trail.
func TestDefaultRefusedLimit(t *testing.T) {
	url, path, cmd, logs := serveFlood(t, "0.0.0.0:0", "--trusted-proxy", "127.0.0.1")
	client := &http.Client{}
	start := time.Now()
	unauthorized := 0
	var limited httpAnswer
	for range 1000 {
		a, err := postMCP(client, url, initializeBody, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.status == http.StatusTooManyRequests {
			limited = a
			break
		}
		if a.status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401 then 429: %s", a.status, a.body)
		}
		unauthorized++
	}
	// A token comes back every second: a slow machine may get a few more.
	burst := runtime.DefaultRefusedLimit.Burst
	if most := burst + int(time.Since(start).Seconds()) + 1; limited.status == 0 || unauthorized < burst || unauthorized > most {
		t.Fatalf("%d answered 401 before a 429 (status %d), want %d to %d", unauthorized, limited.status, burst, most)
	}
	secs, err := strconv.Atoi(limited.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 60 || !strings.Contains(limited.body, "without valid credentials") {
		t.Errorf("429 with Retry-After %q and %q", limited.header.Get("Retry-After"), limited.body)
	}

	records, _ := stopServe(t, cmd, logs, path)
	if !strings.Contains(logs.String(), "no http_rate_limit declared: requests refused authentication are limited") {
		t.Errorf("the operator was not told of the default limit; log:\n%s", logs)
	}
	last := records[len(records)-1]
	reasons, _ := last["reasons"].(map[string]any)
	if last["outcome"] != audit.Summary || reasons["refused_requests: too many refused requests from this address"] != 1.0 {
		t.Errorf("last record %v, want a summary counting the 429", last)
	}
}

// parseCases are requests mcp-go cannot decode, with what the client must
// be told.
var parseCases = []struct {
	name, body, want, tool string
	code                   int
}{
	{"number out of range", `{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"echo","arguments":{"text":1e400}}}`,
		"Invalid params: the number 1e400 is out of range", "echo", mcp.INVALID_PARAMS},
	{"name not a string", `{"jsonrpc":"2.0","id":"twelve","method":"tools/call","params":{"name":5}}`,
		"Invalid params: params.name must be a string, not a number", "", mcp.INVALID_PARAMS},
	{"cursor not a string", `{"jsonrpc":"2.0","id":13,"method":"tools/list","params":{"cursor":{}}}`,
		"Invalid params: params.cursor must be a string, not an object", "", mcp.INVALID_PARAMS},
	{"not JSON", `{"jsonrpc":"2.0","id":14,"method":"tools/list"`, "", "", mcp.PARSE_ERROR},
}

// checkParseAnswer checks one answer to a parse case: the right code, a
// message without Go's words, and the id it answers.
func checkParseAnswer(t *testing.T, answer string, code int, want string) {
	t.Helper()
	var m struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(answer), &m); err != nil || m.Error == nil {
		t.Fatalf("answer %q is not a JSON-RPC error", answer)
	}
	if m.Error.Code != code || !strings.Contains(m.Error.Message, want) {
		t.Errorf("error %d %q, want %d %q", m.Error.Code, m.Error.Message, code, want)
	}
	for _, internal := range []string{"Go ", "struct", "float64", "unmarshal", "CallToolRequest"} {
		if strings.Contains(m.Error.Message, internal) {
			t.Errorf("the message %q names Go internals (%q)", m.Error.Message, internal)
		}
	}
}

// checkParseRecords checks that each parse case left one record.
func checkParseRecords(t *testing.T, records []map[string]any, transport, subject string) {
	t.Helper()
	var parsed []map[string]any
	for _, r := range records {
		if r["error_class"] == "parse" {
			parsed = append(parsed, r)
		}
	}
	if len(parsed) != len(parseCases) {
		t.Fatalf("%d parse records, want %d: %v", len(parsed), len(parseCases), records)
	}
	for i, tc := range parseCases {
		r := parsed[i]
		if r["outcome"] != audit.Invalid || r["transport"] != transport || r["subject"] != subject || r["tool"] != tc.tool ||
			!strings.Contains(r["reason"].(string), tc.want) {
			t.Errorf("%s: record %v, want invalid over %s from %q, tool %q, reason %q", tc.name, r, transport, subject, tc.tool, tc.want)
		}
		if transport == "http" && !strings.HasPrefix(r["remote"].(string), "127.0.0.1:") {
			t.Errorf("%s: remote %v", tc.name, r["remote"])
		}
	}
}

// TestParseFailuresHTTP: a request mcp-go cannot decode gets an answer
// that says what was wrong in JSON's terms, and leaves an audit record;
// so does a body that is not JSON.
func TestParseFailuresHTTP(t *testing.T) {
	url, path, cmd, logs := serveFlood(t, "127.0.0.1:0")
	client := &http.Client{}
	auth := map[string]string{"Authorization": "Bearer " + floodKey}
	init, err := postMCP(client, url, initializeBody, auth)
	if err != nil || init.status != http.StatusOK {
		t.Fatalf("initialize: %v %+v", err, init)
	}
	session := map[string]string{"Authorization": "Bearer " + floodKey,
		"Mcp-Session-Id": init.header.Get("Mcp-Session-Id"), "Mcp-Protocol-Version": "2025-06-18"}
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := postMCP(client, url, tc.body, session)
			if err != nil {
				t.Fatal(err)
			}
			checkParseAnswer(t, a.body, tc.code, tc.want)
		})
	}
	// The stateless revision answers with the HTTP status of the code.
	modern := `{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"echo","arguments":{"text":1e400},"_meta":{` +
		`"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},` +
		`"io.modelcontextprotocol/clientCapabilities":{}}}}`
	a, err := postMCP(client, url, modern, map[string]string{"Authorization": "Bearer " + floodKey,
		"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "echo"})
	if err != nil {
		t.Fatal(err)
	}
	if a.status != http.StatusBadRequest {
		t.Errorf("2026-07-28: status %d, want 400", a.status)
	}
	checkParseAnswer(t, a.body, mcp.INVALID_PARAMS, "out of range")

	records, _ := stopServe(t, cmd, logs, path)
	if len(records) != len(parseCases)+1 {
		t.Fatalf("%d audit records, want one for each of the %d requests: %v", len(records), len(parseCases)+1, records)
	}
	checkParseRecords(t, records[:len(records)-1], "http", "svc-full")
	if last := records[len(records)-1]; last["error_class"] != "parse" || last["tool"] != "echo" || last["session_id"] != "" {
		t.Errorf("2026-07-28 record %v", last)
	}
}

// TestParseFailuresStdio: the same over stdio, where the answers are
// lines on stdout.
func TestParseFailuresStdio(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	cmd := mainCommand([]string{"AUDIT_PATH=" + path}, "serve", "--stdio", floodConfig)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	logs := newLogLines()
	go logs.collect(stderr)
	answers := bufio.NewScanner(stdout)
	send := func(line string) string {
		t.Helper()
		if _, err := io.WriteString(stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
		if !answers.Scan() {
			t.Fatalf("no answer to %s; log:\n%s", line, logs)
		}
		return answers.Text()
	}
	send(initializeBody)
	if _, err := io.WriteString(stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			checkParseAnswer(t, send(tc.body), tc.code, tc.want)
		})
	}
	if ok := send(`{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"echo","arguments":{"text":"still here"}}}`); !strings.Contains(ok, "still here") {
		t.Errorf("a call after the failures: %s", ok)
	}
	if err := stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("server exited with %v; log:\n%s", err, logs)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var records []map[string]any
	for line := range strings.Lines(string(data)) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line is not JSON: %q", line)
		}
		records = append(records, r)
	}
	checkParseRecords(t, records, "stdio", "")
}

// TestAuditRecordCapped: a call with a 169 KB argument, denied or served,
// writes a record of a few KB that keeps the start of the value and says
// what was cut.
func TestAuditRecordCapped(t *testing.T) {
	url, path, cmd, logs := serveFlood(t, "127.0.0.1:0")
	big := strings.Repeat("x", 169_000)
	for _, tool := range []string{"short_note", "echo"} {
		var res mcp.CallToolResult
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":%q,"arguments":{"text":%q}}}`, tool, big)
		rawRequest(t, url, floodKey, body, &res)
	}
	records, size := stopServe(t, cmd, logs, path)
	if len(records) != 2 {
		t.Fatalf("%d records, want 2", len(records))
	}
	t.Logf("two calls with a 169 KB argument wrote %d audit bytes", size)
	for i, want := range []string{audit.Denied, audit.OK} {
		r := records[i]
		line, _ := json.Marshal(r)
		text, _ := r["args"].(map[string]any)["text"].(string)
		truncated, _ := json.Marshal(r["truncated"])
		if r["outcome"] != want || string(truncated) != `["args"]` || r["args_bytes"] != float64(len(big)+len(`{"text":""}`)) ||
			!strings.HasPrefix(text, "xxxx") || !strings.HasSuffix(text, "…") || len(line) > 2*audit.MaxArgsBytes {
			t.Errorf("record %d (%d bytes): outcome %v, truncated %s, args_bytes %v, text %.20q...; want %s, cut and marked",
				i, len(line), r["outcome"], truncated, r["args_bytes"], text, want)
		}
	}
}
