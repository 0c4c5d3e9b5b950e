package main

// End-to-end tests of hot reload: real server processes watching real
// files, real MCP clients over stdio and Streamable HTTP.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime"
)

// configFile is a configuration file that a test rewrites.
type configFile struct {
	path string // absolute, as the server is given it
}

func newConfigFile(t *testing.T, dir, name, text string) *configFile {
	t.Helper()
	c := &configFile{path: filepath.Join(dir, name)}
	c.write(t, text)
	return c
}

// write rewrites the file in place.
func (c *configFile) write(t *testing.T, text string) {
	t.Helper()
	if err := os.WriteFile(c.path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// replace rewrites the file the way most editors save: a new file beside
// it, renamed over it.
func (c *configFile) replace(t *testing.T, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(c.path), "."+filepath.Base(c.path)+".tmp")
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		t.Fatal(err)
	}
}

// configHash is the hash a server reports for paths as they are now.
func configHash(t *testing.T, paths ...string) string {
	t.Helper()
	// Offline still decodes the adapters' bodies, whose file() reads count.
	gen, _ := runtime.Build(context.Background(), paths, runtime.BuildOptions{Mode: runtime.BuildOffline})
	return gen.Hash()
}

// awaitAll blocks until a line containing every want is logged, failing if
// the process stops logging first. It scans each line once: a reload test
// logs thousands.
func (l *logLines) awaitAll(t *testing.T, wants ...string) string {
	t.Helper()
	seen := 0
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		for ; seen < len(l.lines); seen++ {
			line := l.lines[seen]
			if !slices.ContainsFunc(wants, func(w string) bool { return !strings.Contains(line, w) }) {
				return line
			}
		}
		if l.done {
			t.Fatalf("process stopped logging before a line with %q; log:\n%s", wants, strings.Join(l.lines, "\n"))
		}
		l.cond.Wait()
	}
}

// reloaded waits for the reload of the configuration with hash.
func (l *logLines) reloaded(t *testing.T, hash string) {
	t.Helper()
	l.awaitAll(t, `"config_hash":"`+hash+`"`, `"message":"configuration reloaded"`)
}

// rejected waits for the failed reload of the configuration with hash.
func (l *logLines) rejected(t *testing.T, hash string) {
	t.Helper()
	l.awaitAll(t, `"config_hash":"`+hash+`"`, `"message":"reload failed`)
}

// listChanged counts the notifications/tools/list_changed a client gets.
type listChanged struct {
	mu    sync.Mutex
	cond  *sync.Cond
	n     int
	acked bool // a subscriptions/listen stream is established
}

func countListChanged(c *client.Client) *listChanged {
	lc := &listChanged{}
	lc.cond = sync.NewCond(&lc.mu)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		lc.mu.Lock()
		defer lc.mu.Unlock()
		switch n.Method {
		case mcp.MethodNotificationToolsListChanged:
			lc.n++
		case string(mcp.MethodNotificationSubscriptionsAcknowledged):
			lc.acked = true
		}
		lc.cond.Broadcast()
	})
	return lc
}

// await blocks until cond holds. Should it never, the test's own deadline
// ends it with the count so far.
func (lc *listChanged) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if deadline, ok := t.Deadline(); ok {
		stop := time.AfterFunc(time.Until(deadline)-10*time.Second, func() {
			lc.mu.Lock()
			defer lc.mu.Unlock()
			t.Errorf("still waiting for %s with %d list_changed notifications", what, lc.n)
			lc.cond.Broadcast()
		})
		defer stop.Stop()
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for !cond() && !t.Failed() {
		lc.cond.Wait()
	}
}

// listen opens a subscriptions/listen stream for tools/list_changed: from
// revision 2026-07-28 on, the only way a client receives notifications, over
// stdio as over HTTP. It returns once the server acknowledged it.
func listen(t *testing.T, c *client.Client, lc *listChanged) *listChanged {
	t.Helper()
	stop, err := c.ListenAsync(context.Background(), mcp.SubscriptionFilter{ToolsListChanged: true}, func(err error) {
		t.Errorf("subscriptions/listen: %v", err)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	lc.await(t, "the listen stream", func() bool { return lc.acked })
	return lc
}

func (lc *listChanged) atLeast(t *testing.T, want int) {
	t.Helper()
	lc.await(t, fmt.Sprintf("%d list_changed notifications", want), func() bool { return lc.n >= want })
}

// callTool is call without failing the test: load runs in goroutines.
func callTool(c *client.Client, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	return c.CallTool(ctx, req)
}

func toolNames(t *testing.T, c *client.Client) []string {
	t.Helper()
	list, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

// versionConfig is version v of the load test's configuration. Every
// version has "stable", whose guard admits n up to 100+v, and the tools
// extra_v and extra_(v-1): each version adds one tool and removes one.
func versionConfig(v int, broken bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# version %d
source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:reload?mode=memory&cache=shared"
}

tool "stable" {
  description = "Echoes n with the configuration version."
  source      = source.sql.mem
  guard       = "args.n <= %d"
  param "n" {
    type = "integer"
  }
  sql = "SELECT :n AS n, %d AS version%s"
  result { one = true }
}
`, v, 100+v, v, map[bool]string{true: " FROM no_such_table"}[broken])
	for _, e := range []int{v - 1, v} {
		if e < 0 {
			continue
		}
		fmt.Fprintf(&b, `
tool "extra_%d" {
  description = "Added by version %d."
  source      = source.sql.mem
  sql         = "SELECT %d AS version"
  result { one = true }
}
`, e, e, e)
	}
	return b.String()
}

// expectedTools are the tools version v serves.
func expectedTools(v int) []string {
	names := []string{fmt.Sprintf("extra_%d", v), "stable"}
	if v > 0 {
		names = append([]string{fmt.Sprintf("extra_%d", v-1)}, names...)
	}
	slices.Sort(names)
	return names
}

// loadClient calls "stable" in a loop with arguments every version admits,
// recording what comes back.
type loadClient struct {
	name     string
	c        *client.Client
	notes    *listChanged
	calls    int
	failures []string
	versions map[int]int // calls answered per version
}

func (l *loadClient) run(stop <-chan struct{}, done *sync.WaitGroup) {
	defer done.Done()
	l.versions = map[int]int{}
	last := 0
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		n := 1 + i%100
		res, err := callTool(l.c, "stable", map[string]any{"n": n})
		l.calls++
		switch {
		case err != nil:
			l.failures = append(l.failures, fmt.Sprintf("call %d: %v", i, err))
			continue
		case res.IsError:
			l.failures = append(l.failures, fmt.Sprintf("call %d: %s", i, text(res)))
			continue
		}
		got, _ := res.StructuredContent.(map[string]any)
		version, isNum := got["version"].(float64)
		if !isNum || got["n"] != float64(n) {
			l.failures = append(l.failures, fmt.Sprintf("call %d: answer %v for n=%d", i, got, n))
			continue
		}
		// Calls are sequential: each arrives after the one before was
		// answered, so it cannot run on an older generation.
		if int(version) < last {
			l.failures = append(l.failures, fmt.Sprintf("call %d ran on version %d after a call on version %d", i, int(version), last))
		}
		last = int(version)
		l.versions[last]++
	}
}

// TestReloadUnderLoad is the test: clients over Streamable HTTP
// (with sessions and a GET stream, and sessionless with a listen stream)
// and over stdio call a tool without pause while the configuration is
// rewritten 20 times, one version broken. No valid call fails, the broken
// version never serves, added tools appear and removed ones vanish, and
// every client is told the tool list changed.
func TestReloadUnderLoad(t *testing.T) {
	const rewrites, broken = 20, 10
	dir := t.TempDir()
	conf := newConfigFile(t, dir, "reload.hcl", versionConfig(0, false))
	args := []string{"--log-level", "info", "--watch", "--watch-debounce", "100ms", conf.path}
	httpSrv := startHTTP(t, nil, args...)
	stdioSrv := startStdio(t, nil, args...)
	servers := []*server{httpSrv, stdioSrv}
	control := httpSrv.client

	newHTTPClient := func(opts ...transport.StreamableHTTPCOption) *client.Client {
		c, err := client.NewStreamableHttpClient(httpSrv.url, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// A 2025-11-25 client hears list_changed on its standalone GET stream,
	// which only this (deprecated) option opens; such clients are still served.
	//lint:ignore SA1019 the legacy stream is what this client must exercise
	sessions := newHTTPClient(transport.WithContinuousListening())
	sessionsNotes := countListChanged(sessions)
	initializeVersion(t, sessions, mcp.ProtocolVersion20251125)
	sessionless := newHTTPClient()
	sessionlessNotes := countListChanged(sessionless)
	initializeVersion(t, sessionless, mcp.LATEST_PROTOCOL_VERSION)

	loads := []*loadClient{
		{name: "http 2025-11-25", c: sessions, notes: sessionsNotes},
		{name: "http " + mcp.LATEST_PROTOCOL_VERSION, c: sessionless, notes: listen(t, sessionless, sessionlessNotes)},
		{name: "stdio " + mcp.LATEST_PROTOCOL_VERSION, c: stdioSrv.client, notes: listen(t, stdioSrv.client, countListChanged(stdioSrv.client))},
	}
	stop := make(chan struct{})
	var running sync.WaitGroup
	for _, l := range loads {
		running.Add(1)
		go l.run(stop, &running)
	}
	stopLoad := sync.OnceFunc(func() { close(stop); running.Wait() })
	defer stopLoad()

	good := 0 // successful reloads so far
	served := 0
	for v := 1; v <= rewrites; v++ {
		conf.replace(t, versionConfig(v, v == broken))
		hash := configHash(t, conf.path)
		for _, s := range servers {
			if v == broken {
				s.logs.rejected(t, hash)
			} else {
				s.logs.reloaded(t, hash)
			}
		}
		if v != broken {
			good++
			served = v
			for _, l := range loads {
				l.notes.atLeast(t, good)
			}
		}

		// New calls see exactly the version served.
		if got, want := toolNames(t, control), expectedTools(served); !slices.Equal(got, want) {
			t.Errorf("version %d: tools/list = %v, want %v", v, got, want)
		}
		at := ok(t, call(t, control, "stable", map[string]any{"n": 100 + served}))
		if at["version"] != float64(served) {
			t.Errorf("version %d: stable ran on version %v, want %d", v, at["version"], served)
		}
		toolError(t, call(t, control, "stable", map[string]any{"n": 101 + served}), "Permission denied")
		if got := ok(t, call(t, control, fmt.Sprintf("extra_%d", served), nil)); got["version"] != float64(served) {
			t.Errorf("version %d: extra_%d = %v", v, served, got)
		}
		for _, gone := range []int{served - 2, broken} {
			if gone < 0 || gone == served || gone == served-1 {
				continue
			}
			if _, err := callTool(control, fmt.Sprintf("extra_%d", gone), nil); err == nil {
				t.Errorf("version %d: extra_%d, not served, answered", v, gone)
			}
		}
	}
	stopLoad()

	for _, l := range loads {
		if len(l.failures) > 0 {
			t.Errorf("%s: %d of %d calls failed; first: %s", l.name, len(l.failures), l.calls, l.failures[0])
		}
		if l.versions[broken] > 0 {
			t.Errorf("%s: %d calls ran on the broken version", l.name, l.versions[broken])
		}
		t.Logf("%s: %d calls, by version %v", l.name, l.calls, l.versions)
	}
	for _, l := range loads {
		l.notes.mu.Lock()
		if l.notes.n != good {
			t.Errorf("%s: %d list_changed notifications, want one per reload: %d", l.name, l.notes.n, good)
		}
		l.notes.mu.Unlock()
	}

	families := scrape(t, strings.TrimSuffix(httpSrv.url, "/mcp")+"/metrics")
	gauge := func(name string) float64 {
		m := families[name].GetMetric()
		if len(m) != 1 {
			t.Fatalf("%s has %d series, want 1", name, len(m))
		}
		return m[0].GetGauge().GetValue()
	}
	if got := gauge("mcpgen_config_generation"); got != float64(good+1) {
		t.Errorf("mcpgen_config_generation = %v, want %d", got, good+1)
	}
	if got := families["mcpgen_config_info"].GetMetric()[0].GetLabel()[0].GetValue(); got != configHash(t, conf.path) {
		t.Errorf("mcpgen_config_info hash = %s, want the last good version's", got)
	}
	reloads := map[string]float64{}
	for _, m := range families["mcpgen_reloads_total"].GetMetric() {
		reloads[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
	}
	if reloads["ok"] != float64(good) || reloads["failed"] != 1 {
		t.Errorf("mcpgen_reloads_total = %v, want ok %d and failed 1", reloads, good)
	}
}

// readyz returns /readyz's generation and hash.
func readyz(t *testing.T, mcpURL string) (uint64, string) {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(mcpURL, "/mcp") + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Generation uint64 `json:"generation"`
		Hash       string `json:"config_hash"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("/readyz: %v", err)
	}
	return body.Generation, body.Hash
}

// TestReloadSIGHUP: without --watch, SIGHUP reloads. A change to the server
// block is named as needing a restart while the rest goes live; a broken
// guard is logged at its file:line:col and the previous generation serves on.
func TestReloadSIGHUP(t *testing.T) {
	const tmpl = `server {
  name = %q
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:hup?mode=memory&cache=shared"
}

tool %q {
  description = "A tool."
  source      = source.sql.mem
  guard       = %q
  sql         = "SELECT 1 AS one"
  result { one = true }
}
`
	conf := newConfigFile(t, t.TempDir(), "hup.hcl", fmt.Sprintf(tmpl, "hup", "first", "true"))
	s := startHTTP(t, nil, conf.path)
	hup := func() {
		if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}

	conf.write(t, fmt.Sprintf(tmpl, "renamed", "second", "true"))
	second := configHash(t, conf.path)
	hup()
	s.logs.reloaded(t, second)
	s.logs.awaitAll(t, `"needs_restart":["server.name"]`)
	ok(t, call(t, s.client, "second", nil))
	if names := toolNames(t, s.client); !slices.Equal(names, []string{"second"}) {
		t.Errorf("tools after the reload: %v", names)
	}

	conf.write(t, fmt.Sprintf(tmpl, "renamed", "third", "args.x +"))
	broken := configHash(t, conf.path)
	hup()
	s.logs.rejected(t, broken)
	line := s.logs.awaitAll(t, `"config_hash":"`+broken+`"`, "Invalid guard")
	if want := conf.path + ":13:17: Invalid guard"; !strings.Contains(line, want) {
		t.Errorf("the diagnostic %s does not say %q", line, want)
	}
	ok(t, call(t, s.client, "second", nil))
	if gen, hash := readyz(t, s.url); gen != 2 || hash != second {
		t.Errorf("/readyz after a failed reload: generation %d hash %s, want 2 %s", gen, hash, second)
	}
}

// TestReloadWatch: with --watch on a directory, the ways files change on
// disk each trigger a reload: an editor's rename over the file, a backup
// rename then a new file, an in-place write, a file read with file(), and
// a new .hcl file in the directory.
func TestReloadWatch(t *testing.T) {
	dir := t.TempDir()
	main := func(tool string) string {
		return fmt.Sprintf(`source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:watch?mode=memory&cache=shared"
}

tool %q {
  description = file("about.md")
  source      = source.sql.mem
  sql         = "SELECT 1 AS one"
  result { one = true }
}
`, tool)
	}
	conf := newConfigFile(t, dir, "main.hcl", main("v0"))
	about := newConfigFile(t, dir, "about.md", "The first description.")
	s := startHTTP(t, nil, "--watch", dir)

	steps := []struct {
		name   string
		change func()
		tools  []string
	}{
		{"rename over", func() { conf.replace(t, main("v1")) }, []string{"v1"}},
		{"backup, then a new file", func() {
			if err := os.Rename(conf.path, conf.path+"~"); err != nil {
				t.Fatal(err)
			}
			conf.write(t, main("v2"))
		}, []string{"v2"}},
		{"in place", func() { conf.write(t, main("v3")) }, []string{"v3"}},
		{"file() input", func() { about.replace(t, "The second description.") }, []string{"v3"}},
		{"new file", func() {
			newConfigFile(t, dir, ".other.hcl.tmp", strings.Replace(main("other"), `source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:watch?mode=memory&cache=shared"
}
`, "", 1))
			if err := os.Rename(filepath.Join(dir, ".other.hcl.tmp"), filepath.Join(dir, "other.hcl")); err != nil {
				t.Fatal(err)
			}
		}, []string{"other", "v3"}},
	}
	for _, step := range steps {
		step.change()
		hash := configHash(t, dir)
		s.logs.reloaded(t, hash)
		if names := toolNames(t, s.client); !slices.Equal(names, step.tools) {
			t.Errorf("%s: tools %v, want %v", step.name, names, step.tools)
		}
	}
	list, err := s.client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list.Tools {
		if tool.Description != "The second description." {
			t.Errorf("%s: description %q, want the file's new text", tool.Name, tool.Description)
		}
	}
}

// TestReloadDrains: a call in flight when the configuration is reloaded
// finishes on the generation it started on, and that generation's sources
// close only after it returned. The call is held by a write lock the test
// takes on the SQLite file, so that it is in flight for as long as the test
// needs, however fast or slow the machine.
func TestReloadDrains(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "drain.db")
	// Only the first version seeds: seeding takes the write lock, which
	// the test holds during the reload.
	version := func(v, seed string) string {
		return fmt.Sprintf(`source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:%s?_pragma=busy_timeout(600000)"
  %s
}

tool "mark" {
  description = "Writes a mark."
  source      = source.sql.db
  read_only   = false
  timeout     = "10m"
  sql         = "INSERT INTO marks (x) VALUES (1) RETURNING x, '%s' AS version"
  result { one = true }
}
`, db, seed, v)
	}
	conf := newConfigFile(t, dir, "drain.hcl", version("old", `seed = "CREATE TABLE marks (x INTEGER);"`))
	s := startHTTP(t, nil, conf.path)

	lockDB, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer lockDB.Close()
	lock, err := lockDB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	unlocked := false
	unlock := func() {
		if !unlocked {
			unlocked = true
			if _, err := lock.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer unlock()

	inFlight := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, err := callTool(s.client, "mark", nil)
		if err != nil {
			res = errorText(err.Error())
		}
		inFlight <- res
	}()
	s.logs.await(t, `"message":"call started"`)

	conf.write(t, version("new", ""))
	hash := configHash(t, conf.path)
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.logs.reloaded(t, hash)
	s.logs.awaitAll(t, `"generation":1,"in_flight":1`, "generation retired")
	for _, line := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(line, `"generation":1,`) && strings.Contains(line, "generation drained") {
			t.Fatalf("generation 1 closed with a call in flight:\n%s", s.logs)
		}
	}

	unlock()
	if got := ok(t, <-inFlight); got["version"] != "old" {
		t.Errorf("the call in flight during the reload = %v, want it to finish on the old generation", got)
	}
	drained := s.logs.awaitAll(t, `"generation":1,`, "generation drained")
	logs := s.logs.String()
	if strings.Index(logs, `"message":"tool call"`) > strings.Index(logs, drained) {
		t.Errorf("generation 1 closed before its call returned:\n%s", logs)
	}
	if got := ok(t, call(t, s.client, "mark", nil)); got["version"] != "new" {
		t.Errorf("a call after the reload = %v, want the new generation", got)
	}
}

// TestStdioListenEnds: a stdio client on the 2026-07-28 revision listens
// for list_changed with subscriptions/listen, a request answered only when
// the stream ends. When the client closes its input the server stops
// without waiting for that answer: it would otherwise always wait out the
// grace period and then warn of calls still running.
func TestStdioListenEnds(t *testing.T) {
	conf := newConfigFile(t, t.TempDir(), "listen.hcl", versionConfig(0, false))
	cmd := mainCommand(nil, "serve", "--stdio", "--watch", "--grace", "1s", conf.path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	logs := newLogLines()
	go logs.collect(stderr)
	logs.await(t, "serving stdio")

	fmt.Fprintln(stdin, `{"jsonrpc":"2.0","id":7,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}`)
	out := bufio.NewScanner(stdout)
	next := func() string {
		if !out.Scan() {
			t.Fatalf("stdout ended; log:\n%s", logs)
		}
		return out.Text()
	}
	if line := next(); !strings.Contains(line, "notifications/subscriptions/acknowledged") {
		t.Fatalf("first message %s, want the acknowledgement", line)
	}
	conf.replace(t, versionConfig(1, false))
	if line := next(); !strings.Contains(line, `"method":"notifications/tools/list_changed"`) {
		t.Errorf("after a reload the client got %s, want tools/list_changed", line)
	}

	stdin.Close()
	for out.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v; log:\n%s", err, logs)
	}
	if strings.Contains(logs.String(), "grace period") {
		t.Errorf("the listen stream held shutdown for the grace period:\n%s", logs)
	}
}

// TestHTTPListenEnds: over Streamable HTTP too, a client's listen stream
// ends when shutdown begins, rather than holding it for the grace period.
func TestHTTPListenEnds(t *testing.T) {
	conf := newConfigFile(t, t.TempDir(), "listen.hcl", versionConfig(0, false))
	s := startHTTP(t, nil, "--grace", "1s", conf.path)
	notes := countListChanged(s.client)
	// The stream breaks off when the server stops: that error is expected.
	stop, err := s.client.ListenAsync(context.Background(), mcp.SubscriptionFilter{ToolsListChanged: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	notes.await(t, "the listen stream", func() bool { return notes.acked })
	conf.replace(t, versionConfig(1, false))
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	notes.atLeast(t, 1)

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("exit: %v; log:\n%s", err, s.logs)
	}
	if strings.Contains(s.logs.String(), "grace period") {
		t.Errorf("the listen stream held shutdown for the grace period:\n%s", s.logs)
	}
}

// primitivesVersion is one version of TestReloadResourcesAndPrompts'
// configuration.
type primitivesVersion struct {
	tool     string // the tool's description
	prompt   string // the prompt's description
	extra    bool   // a second static resource
	template bool   // a resource template
}

func (v primitivesVersion) config() string {
	var b strings.Builder
	fmt.Fprintf(&b, `source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:prims?mode=memory&cache=shared"
}

tool "t" {
  description = %q
  source      = source.sql.mem
  sql         = "SELECT 1 AS one"
  result { one = true }
}

resource "stable" {
  uri  = "mem://stable"
  text = "always here"
}

prompt "p" {
  description = %q
  message "user" "text" {
    text = "hello"
  }
}
`, v.tool, v.prompt)
	if v.extra {
		b.WriteString(`
resource "extra" {
  uri  = "mem://extra"
  text = "added"
}
`)
	}
	if v.template {
		b.WriteString(`
resource "item" {
  uri_template = "mem://items/{id}"
  source       = source.sql.mem
  param "id" {
    type = "integer"
  }
  sql = "SELECT :id AS id"
  result { one = true }
}
`)
	}
	return b.String()
}

// TestReloadResourcesAndPrompts: a reload tells clients that resources or
// prompts changed only when they did, a resource that stays can be read
// without a failure all along, and the lists follow the configuration.
func TestReloadResourcesAndPrompts(t *testing.T) {
	v := primitivesVersion{tool: "one", prompt: "one", template: true}
	conf := newConfigFile(t, t.TempDir(), "prims.hcl", v.config())
	s := startHTTP(t, nil, "--log-level", "info", conf.path)

	c, err := client.NewStreamableHttpClient(s.url)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	notes := map[string]int{}
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		mu.Lock()
		defer mu.Unlock()
		notes[n.Method]++
		cond.Broadcast()
	})
	// await waits until ok holds, failing the test after a minute.
	await := func(what string, ok func() bool) {
		t.Helper()
		timedOut := false
		timer := time.AfterFunc(time.Minute, func() {
			mu.Lock()
			defer mu.Unlock()
			timedOut = true
			cond.Broadcast()
		})
		defer timer.Stop()
		mu.Lock()
		defer mu.Unlock()
		for !ok() {
			if timedOut {
				t.Fatalf("still waiting for %s; notifications so far: %v", what, notes)
			}
			cond.Wait()
		}
	}
	// One listen stream carries all three kinds, in the order sent.
	initializeVersion(t, c, mcp.LATEST_PROTOCOL_VERSION)
	stopListening, err := c.ListenAsync(context.Background(), mcp.SubscriptionFilter{
		ToolsListChanged: true, ResourcesListChanged: true, PromptsListChanged: true,
	}, func(err error) { t.Errorf("subscriptions/listen: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopListening)
	await("the listen stream", func() bool { return notes[string(mcp.MethodNotificationSubscriptionsAcknowledged)] > 0 })

	stop := make(chan struct{})
	var reads, failures int
	var firstFailure string
	var reading sync.WaitGroup
	reading.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			res, err := c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "mem://stable"}})
			cancel()
			reads++
			if err == nil && len(res.Contents) == 1 {
				if tc, ok := res.Contents[0].(mcp.TextResourceContents); ok && tc.Text == "always here" {
					continue
				}
			}
			if failures++; firstFailure == "" {
				firstFailure = fmt.Sprintf("%v %v", res, err)
			}
		}
	})

	steps := []struct {
		name               string
		change             func(*primitivesVersion)
		resources, prompts int // notifications expected so far
		uris, templates    []string
	}{
		{"a tool changes", func(v *primitivesVersion) { v.tool = "two" }, 0, 0,
			[]string{"mem://stable"}, []string{"mem://items/{id}"}},
		{"a prompt changes", func(v *primitivesVersion) { v.prompt = "two" }, 0, 1,
			[]string{"mem://stable"}, []string{"mem://items/{id}"}},
		{"a resource is added", func(v *primitivesVersion) { v.extra = true }, 1, 1,
			[]string{"mem://extra", "mem://stable"}, []string{"mem://items/{id}"}},
		{"a template is removed", func(v *primitivesVersion) { v.template = false }, 2, 1,
			[]string{"mem://extra", "mem://stable"}, nil},
		{"a resource is removed", func(v *primitivesVersion) { v.extra = false }, 3, 1,
			[]string{"mem://stable"}, nil},
	}
	for i, step := range steps {
		step.change(&v)
		conf.write(t, v.config())
		hash := configHash(t, conf.path)
		if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		s.logs.reloaded(t, hash)
		// Tools are swapped last: once their notification is here, the
		// others of the same reload are too.
		await(fmt.Sprintf("tools/list_changed number %d", i+1), func() bool {
			return notes[string(mcp.MethodNotificationToolsListChanged)] >= i+1
		})
		mu.Lock()
		gotR, gotP := notes[string(mcp.MethodNotificationResourcesListChanged)], notes[string(mcp.MethodNotificationPromptsListChanged)]
		mu.Unlock()
		if gotR != step.resources || gotP != step.prompts {
			t.Errorf("%s: %d resources and %d prompts list_changed so far, want %d and %d", step.name, gotR, gotP, step.resources, step.prompts)
		}

		list, err := c.ListResources(context.Background(), mcp.ListResourcesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var uris []string
		for _, r := range list.Resources {
			uris = append(uris, r.URI)
		}
		slices.Sort(uris)
		tl, err := c.ListResourceTemplates(context.Background(), mcp.ListResourceTemplatesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var templates []string
		for _, r := range tl.ResourceTemplates {
			templates = append(templates, r.URITemplate.Raw())
		}
		if !slices.Equal(uris, step.uris) || !slices.Equal(templates, step.templates) {
			t.Errorf("%s: resources %v and templates %v, want %v and %v", step.name, uris, templates, step.uris, step.templates)
		}
		prompts, err := c.ListPrompts(context.Background(), mcp.ListPromptsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(prompts.Prompts) != 1 || prompts.Prompts[0].Description != v.prompt {
			t.Errorf("%s: prompts %+v, want p described %q", step.name, prompts.Prompts, v.prompt)
		}
	}
	close(stop)
	reading.Wait()
	if failures > 0 {
		t.Errorf("%d of %d reads of a resource every version has failed; first: %s", failures, reads, firstFailure)
	}
	if reads == 0 {
		t.Errorf("no reads ran during the reloads")
	}
}

// TestReloadCredentials: keys added by a reload open the door at once, and
// keys it removes close it, on the same listener.
func TestReloadCredentials(t *testing.T) {
	const tmpl = `auth {
  api_key "k" {
    hash    = "sha256:%x"
    subject = "svc"
  }
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:creds?mode=memory&cache=shared"
}

tool "t" {
  description = "A tool."
  source      = source.sql.mem
  guard       = "principal.sub == 'svc'"
  sql         = "SELECT 1 AS one"
  result { one = true }
}
`
	config := func(key string) string { return fmt.Sprintf(tmpl, sha256.Sum256([]byte(key))) }
	conf := newConfigFile(t, t.TempDir(), "creds.hcl", config("mcpk_reload_old"))
	s := startHTTPWith(t, mcp.ProtocolVersion20251125, bearer("mcpk_reload_old"), nil, conf.path)
	ok(t, call(t, s.client, "t", nil))

	status := func(key string) int {
		req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("mcpk_reload_new"); got != http.StatusUnauthorized {
		t.Fatalf("an unknown key: %d, want 401", got)
	}

	conf.write(t, config("mcpk_reload_new"))
	hash := configHash(t, conf.path)
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.logs.reloaded(t, hash)
	if got := status("mcpk_reload_new"); got == http.StatusUnauthorized {
		t.Errorf("the key the reload added: 401")
	}
	if got := status("mcpk_reload_old"); got != http.StatusUnauthorized {
		t.Errorf("the key the reload removed: %d, want 401", got)
	}
	if _, err := callTool(s.client, "t", nil); err == nil {
		t.Errorf("a session opened with the removed key still calls tools")
	}
}

// TestReloadStdioPrincipal: the stdio principal comes from the
// configuration each call runs on, so a reload that takes a scope away
// from the local user takes effect on the next call.
func TestReloadStdioPrincipal(t *testing.T) {
	const tmpl = `auth {
  stdio {
    subject = "me"
    scopes  = [%q]
  }
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:stdio_principal?mode=memory&cache=shared"
}

tool "t" {
  description = "A tool for holders of scope a."
  source      = source.sql.mem
  guard       = "'a' in principal.scopes"
  sql         = "SELECT 1 AS one"
  result { one = true }
}
`
	conf := newConfigFile(t, t.TempDir(), "stdio.hcl", fmt.Sprintf(tmpl, "a"))
	s := startStdio(t, nil, conf.path)
	ok(t, call(t, s.client, "t", nil))

	conf.write(t, fmt.Sprintf(tmpl, "b"))
	hash := configHash(t, conf.path)
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.logs.reloaded(t, hash)
	toolNotFound(t, s.client, "t", nil)
	if names := toolNames(t, s.client); len(names) != 0 {
		t.Errorf("tools/list after the scope was taken away: %v", names)
	}
}
