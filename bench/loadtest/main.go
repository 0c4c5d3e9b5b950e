//go:build linux

// Command loadtest measures mcpgen next to a hand-written mcp-go server
// (bench/handwritten) doing the same SQLite query, in one run, on the same
// database file, and prints a markdown report. It reads /proc, hence Linux.
//
//	go run ./bench/loadtest [-duration 10s] [-concurrency 16] [-rounds 3]
//
// It is a program, not a test: the numbers depend on the machine, so
// nothing here fails on a slow result; the report says which targets were
// missed.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "modernc.org/sqlite"
)

type options struct {
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	rounds      int
	starts      int
	idle        time.Duration
	rows        int
	servers     string
	maxOther    float64
	keep        bool
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load on each server before the rounds")
	flag.IntVar(&o.concurrency, "concurrency", 16, "concurrent clients, one session each")
	flag.IntVar(&o.rounds, "rounds", 3, "measured runs per server, alternating servers")
	flag.IntVar(&o.starts, "starts", 7, "cold starts per server for the start-up time median")
	flag.DurationVar(&o.idle, "idle", 3*time.Second, "how long a fresh server idles before its RSS is read")
	flag.IntVar(&o.rows, "rows", 100_000, "orders in the database")
	flag.StringVar(&o.servers, "servers", "hand-written,mcpgen", "which servers to measure, in round order (floor, hand-written, mcpgen)")
	flag.Float64Var(&o.maxOther, "max-other", 0.1, "cores other processes may use: wait for a quiet box and redo disturbed runs (0: never)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (database, config, binaries, server logs)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// target is one server under test.
type target struct {
	name string
	pkg  string // what to build
	bin  string
	args func(listen string) []string

	startMs    []float64
	idleRSSMB  float64
	idleAnonMB float64
	loadRSSMB  float64
	runs       []result
}

func run(ctx context.Context, o options) error {
	if err := chdirModuleRoot(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "mcpgen-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	dbPath := filepath.Join(dir, "orders.db")
	step("creating %s with %d orders", dbPath, o.rows)
	if err := makeDB(dbPath, o.rows); err != nil {
		return err
	}
	hclPath := filepath.Join(dir, "bench.hcl")
	if err := os.WriteFile(hclPath, []byte(config(dbPath)), 0o644); err != nil {
		return err
	}

	all := map[string]*target{
		"floor": {name: "floor", pkg: "./bench/floor", bin: filepath.Join(dir, "floor"),
			args: func(l string) []string { return []string{"-listen", l, "-db", dbPath} }},
		"hand-written": {name: "hand-written", pkg: "./bench/handwritten", bin: filepath.Join(dir, "handwritten"),
			args: func(l string) []string { return []string{"-listen", l, "-db", dbPath} }},
		"mcpgen": {name: "mcpgen", pkg: "./cmd/mcpgen", bin: filepath.Join(dir, "mcpgen"),
			args: func(l string) []string { return []string{"serve", "--listen", l, hclPath} }},
	}
	var targets []*target
	for _, name := range strings.Split(o.servers, ",") {
		t, ok := all[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("unknown server %q (want floor, hand-written and/or mcpgen)", name)
		}
		step("building %s", t.pkg)
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", t.bin, t.pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", t.pkg, err, out)
		}
		targets = append(targets, t)
	}

	// Cold starts, alternating servers; the first start of each also
	// gives the idle RSS.
	for i := range o.starts {
		for _, t := range targets {
			waitQuiet(ctx, o.maxOther)
			p, err := start(ctx, t, dir, fmt.Sprintf("%s-start%d", t.name, i))
			if err != nil {
				return err
			}
			t.startMs = append(t.startMs, ms(p.startup))
			if i == 0 {
				sleep(ctx, o.idle)
				t.idleRSSMB, t.idleAnonMB, err = memory(p.cmd.Process.Pid)
				if err != nil {
					p.stop()
					return err
				}
			}
			p.stop()
		}
	}
	for _, t := range targets {
		step("%s: start to initialize %v ms, idle RSS %.1f MB (%.1f MB anonymous)", t.name, fmtList(t.startMs), t.idleRSSMB, t.idleAnonMB)
	}

	// Under load both servers stay up for the whole run, so that rounds
	// alternate without paying start-up again.
	procs := map[*target]*proc{}
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for _, t := range targets {
		p, err := start(ctx, t, dir, t.name+"-load")
		if err != nil {
			return err
		}
		procs[t] = p
	}
	if len(targets) == 2 {
		if err := sameResults(procs[targets[0]].url, procs[targets[1]].url, o.rows); err != nil {
			return err
		}
	}
	for _, t := range targets {
		step("warming up %s for %v", t.name, o.warmup)
		if _, err := load(ctx, procs[t], o.concurrency, o.rows, o.warmup); err != nil {
			return err
		}
	}
	for r := range o.rounds {
		for _, t := range targets {
			res, err := measure(ctx, procs[t], o)
			if err != nil {
				return err
			}
			t.runs = append(t.runs, res)
			step("round %d %-12s %s", r+1, t.name, res)
		}
	}
	if len(targets) == 2 {
		// Neighbouring runs share the box's mood; their ratio is steadier
		// than the ratio of medians.
		a, b := targets[0], targets[1]
		ratios := make([]float64, len(a.runs))
		for i := range ratios {
			ratios[i] = b.runs[i].perSec() / a.runs[i].perSec()
		}
		step("throughput %s/%s per round: %v, median %.2f", b.name, a.name, fmtList2(ratios), median(ratios))
	}
	for _, t := range targets {
		if t.loadRSSMB, _, err = memory(procs[t].cmd.Process.Pid); err != nil {
			return err
		}
		procs[t].stop()
		delete(procs, t)
	}
	reportLogs(dir)
	report(o, targets)
	return nil
}

// chdirModuleRoot makes `go run ./bench/loadtest` work from any directory
// of the module: the builds name packages relative to its root.
func chdirModuleRoot() error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return errors.New("run from inside the mcpgen module")
	}
	return os.Chdir(filepath.Dir(mod))
}

// config is the mcpgen equivalent of bench/handwritten.
func config(dbPath string) string {
	return fmt.Sprintf(`server {
  name    = "bench"
  version = "1.0.0"
}

source "sql" "orders" {
  driver = "sqlite"
  dsn    = %q
}

tool "get_order" {
  description = "Look up one order by its id."
  source      = source.sql.orders

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order id."
  }

  sql = "SELECT id, status, total_cents, placed_at FROM orders WHERE id = :order_id"

  result {
    one       = true
    not_found = "No order with that id."
  }
}
`, dbPath)
}

// proc is a running server.
type proc struct {
	cmd     *exec.Cmd
	url     string
	startup time.Duration
	done    chan struct{}
}

// start runs a server on a free port and returns once it has answered
// initialize; startup is the time from exec to that answer.
func start(ctx context.Context, t *target, dir, logName string) (*proc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()

	logFile, err := os.Create(filepath.Join(dir, logName+".log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(t.bin, t.args(addr)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// If the load test dies, its servers die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	p := &proc{cmd: cmd, url: "http://" + addr + "/mcp", done: make(chan struct{})}
	c := newClient(p.url, 1)
	defer c.hc.CloseIdleConnections()
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	deadline := began.Add(20 * time.Second)
	for {
		// The clock stops at the initialize response: that is when a
		// client could start using the server.
		if err := c.open(ctx); err == nil {
			p.startup = time.Since(began)
			return p, nil
		} else if time.Now().After(deadline) || ctx.Err() != nil {
			p.stop()
			return nil, fmt.Errorf("%s did not answer initialize: %v (log: %s)", t.name, err, logFile.Name())
		}
		select {
		case <-p.done:
			log, _ := os.ReadFile(logFile.Name())
			return nil, fmt.Errorf("%s exited during start-up:\n%s", t.name, log)
		case <-time.After(time.Millisecond): // fine-grained, yet leaves the CPU to the server
		}
	}
}

// stop asks the server to shut down, and kills it if it takes too long.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// client speaks just enough Streamable HTTP to call a tool cheaply: the
// server, not the client, should own this box's two cores.
type client struct {
	hc      *http.Client
	url     string
	session string
}

const protocolVersion = "2025-06-18"

func newClient(url string, conns int) *client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &client{hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, url: url}
}

func (c *client) post(ctx context.Context, body []byte, hdr http.Header, into *bytes.Buffer) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = hdr
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	into.Reset()
	_, err = into.ReadFrom(resp.Body)
	return resp, err
}

func (c *client) headers() http.Header {
	h := http.Header{
		"Content-Type":         {"application/json"},
		"Accept":               {"application/json, text/event-stream"},
		"Mcp-Protocol-Version": {protocolVersion},
	}
	if c.session != "" {
		h["Mcp-Session-Id"] = []string{c.session}
	}
	return h
}

// initialize opens a session, as every MCP client does once.
func (c *client) initialize(ctx context.Context) error {
	if err := c.open(ctx); err != nil {
		return err
	}
	var buf bytes.Buffer
	resp, err := c.post(ctx, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), c.headers(), &buf)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notifications/initialized: %s: %s", resp.Status, buf.Bytes())
	}
	return nil
}

// open sends initialize and keeps the session id it gets.
func (c *client) open(ctx context.Context) error {
	var buf bytes.Buffer
	body := `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"` + protocolVersion +
		`","capabilities":{},"clientInfo":{"name":"mcpgen-loadtest","version":"1"}}}`
	resp, err := c.post(ctx, []byte(body), c.headers(), &buf)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(buf.Bytes(), []byte(`"result"`)) {
		return fmt.Errorf("initialize: %s: %s", resp.Status, buf.Bytes())
	}
	c.session = resp.Header.Get("Mcp-Session-Id")
	return nil
}

// close ends the session, as a well-behaved client does, so that sessions
// do not pile up in the server between rounds.
func (c *client) close() {
	req, err := http.NewRequest(http.MethodDelete, c.url, nil)
	if err != nil {
		return
	}
	req.Header = c.headers()
	if resp, err := c.hc.Do(req); err == nil {
		resp.Body.Close()
	}
}

// callBody is a tools/call of get_order, built without encoding/json.
func callBody(reqID, orderID int) []byte {
	b := make([]byte, 0, 128)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = strconv.AppendInt(b, int64(reqID), 10)
	b = append(b, `,"method":"tools/call","params":{"name":"get_order","arguments":{"order_id":`...)
	b = strconv.AppendInt(b, int64(orderID), 10)
	return append(b, `}}}`...)
}

// result is one measured run against one server.
type result struct {
	calls, errors int
	elapsed       time.Duration
	serverCPU     time.Duration
	clientCPU     time.Duration
	otherCPU      time.Duration // everything else on the box: other people's jobs
	p50, p99      time.Duration
	firstError    string
}

func (r result) perSec() float64 { return float64(r.calls) / r.elapsed.Seconds() }
func (r result) cpuPerCall() float64 {
	return float64(r.serverCPU.Microseconds()) / float64(max(r.calls, 1))
}

// otherCores is how many cores, on average, went to processes other than
// the server and this client during the run.
func (r result) otherCores() float64 {
	return max(0, r.otherCPU.Seconds()/r.elapsed.Seconds())
}

func (r result) String() string {
	s := fmt.Sprintf("%7.0f calls/s  p50 %5.2f ms  p99 %5.2f ms  server CPU %5.1f µs/call  client CPU %5.1f µs/call  errors %d",
		r.perSec(), ms(r.p50), ms(r.p99), r.cpuPerCall(),
		float64(r.clientCPU.Microseconds())/float64(max(r.calls, 1)), r.errors)
	if other := r.otherCores(); other > 0.05 {
		s += fmt.Sprintf("  OTHER LOAD %.2f cores", other)
	}
	if r.firstError != "" {
		s += "  first error: " + r.firstError
	}
	return s
}

// load drives p with n clients for d. Every client opens its session
// before the clock starts.
func load(ctx context.Context, p *proc, n, rows int, d time.Duration) (result, error) {
	shared := newClient(p.url, 2*n)
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = &client{hc: shared.hc, url: p.url}
		if err := clients[i].initialize(ctx); err != nil {
			return result{}, err
		}
	}
	defer func() {
		for _, c := range clients {
			c.close()
		}
		shared.hc.CloseIdleConnections()
	}()

	type tally struct {
		lat      []time.Duration
		errors   int
		firstErr string
	}
	tallies := make([]tally, n)
	cpu0, err := cpuTime(p.cmd.Process.Pid)
	if err != nil {
		return result{}, err
	}
	self0, busy0 := selfCPU(), busyCPU()
	began := time.Now()
	deadline := began.Add(d)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			t := &tallies[i]
			t.lat = make([]time.Duration, 0, 1<<15)
			rng := rand.New(rand.NewPCG(uint64(i), uint64(began.UnixNano())))
			hdr := c.headers()
			var buf bytes.Buffer
			for reqID := 1; ctx.Err() == nil && time.Now().Before(deadline); reqID++ {
				t0 := time.Now()
				resp, err := c.post(ctx, callBody(reqID, 1+rng.IntN(rows)), hdr, &buf)
				t.lat = append(t.lat, time.Since(t0))
				// A byte search is enough to tell a tool result from an
				// error, and far cheaper than decoding.
				if err != nil || resp.StatusCode != http.StatusOK ||
					!bytes.Contains(buf.Bytes(), []byte(`"structuredContent"`)) ||
					bytes.Contains(buf.Bytes(), []byte(`"isError":true`)) {
					if t.errors++; t.firstErr == "" && err != nil {
						t.firstErr = err.Error()
					} else if t.firstErr == "" {
						t.firstErr = resp.Status + " " + truncate(buf.String(), 200)
					}
				}
			}
		})
	}
	wg.Wait()
	res := result{elapsed: time.Since(began), clientCPU: selfCPU() - self0}
	cpu1, err := cpuTime(p.cmd.Process.Pid)
	if err != nil {
		return result{}, err
	}
	res.serverCPU = cpu1 - cpu0
	res.otherCPU = busyCPU() - busy0 - res.serverCPU - res.clientCPU
	var lat []time.Duration
	for _, t := range tallies {
		lat = append(lat, t.lat...)
		res.errors += t.errors
		if res.firstError == "" {
			res.firstError = t.firstErr
		}
	}
	if ctx.Err() != nil {
		return result{}, ctx.Err()
	}
	res.calls = len(lat)
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)*50/100], lat[len(lat)*99/100]
	}
	return res, nil
}

// measure is one run on a quiet box. This box is shared with builds and
// tests, so a run that other processes disturbed is done again, a few times
// at most; the report shows how much the kept runs were disturbed.
func measure(ctx context.Context, p *proc, o options) (result, error) {
	for try := 1; ; try++ {
		waitQuiet(ctx, o.maxOther)
		res, err := load(ctx, p, o.concurrency, o.rows, o.duration)
		if err != nil || o.maxOther <= 0 || res.otherCores() <= o.maxOther || try == 5 {
			return res, err
		}
		step("  redoing a run disturbed by other processes (%.2f cores): %s", res.otherCores(), res)
	}
}

// waitQuiet waits, up to ten minutes, for a second in which other
// processes use less than maxOther cores.
func waitQuiet(ctx context.Context, maxOther float64) {
	if maxOther <= 0 {
		return
	}
	for i := 0; i < 600 && ctx.Err() == nil; i++ {
		busy0 := busyCPU()
		sleep(ctx, time.Second)
		other := (busyCPU() - busy0).Seconds()
		if other <= maxOther {
			return
		}
		if i%30 == 0 {
			step("  waiting for other processes to calm down (%.2f cores in use)", other)
		}
	}
}

// sameResults checks that both servers answer get_order alike, so that the
// comparison is between equals.
func sameResults(urlA, urlB string, rows int) error {
	step("checking that both servers return the same results")
	ctx := context.Background()
	a, b := newClient(urlA, 1), newClient(urlB, 1)
	for _, c := range []*client{a, b} {
		if err := c.initialize(ctx); err != nil {
			return err
		}
		defer c.close()
	}
	for _, id := range []int{1, 2, 4242, rows / 2, rows, rows + 1} {
		ra, err := a.toolResult(ctx, id)
		if err != nil {
			return err
		}
		rb, err := b.toolResult(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case ra.IsError && rb.IsError:
			fmt.Printf("  id %-6d both errors: %q / %q\n", id, ra.text(), rb.text())
		case ra.IsError || rb.IsError:
			fmt.Printf("  id %-6d MISMATCH: error %v / %v: %q / %q\n", id, ra.IsError, rb.IsError, ra.text(), rb.text())
		case reflect.DeepEqual(ra.Structured, rb.Structured):
			fmt.Printf("  id %-6d same: %s\n", id, ra.Structured)
		default:
			fmt.Printf("  id %-6d MISMATCH:\n    %s\n    %s\n", id, ra.Structured, rb.Structured)
		}
	}
	return nil
}

type toolResult struct {
	Structured json.RawMessage `json:"structuredContent"`
	IsError    bool            `json:"isError"`
	Content    []struct {
		Text string `json:"text"`
	} `json:"content"`
}

func (r toolResult) text() string {
	if len(r.Content) == 0 {
		return ""
	}
	return r.Content[0].Text
}

func (c *client) toolResult(ctx context.Context, id int) (toolResult, error) {
	var buf bytes.Buffer
	if _, err := c.post(ctx, callBody(1, id), c.headers(), &buf); err != nil {
		return toolResult{}, err
	}
	var msg struct {
		Result *toolResult     `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(buf.Bytes(), &msg); err != nil || msg.Result == nil {
		return toolResult{}, fmt.Errorf("%s: tools/call %d: %s", c.url, id, truncate(buf.String(), 300))
	}
	// Compare values, not bytes: key order is not part of the result.
	var v any
	if err := json.Unmarshal(msg.Result.Structured, &v); err == nil && v != nil {
		msg.Result.Structured, _ = json.Marshal(v)
	}
	return *msg.Result, nil
}

// tick is the unit of CPU times in /proc: USER_HZ, which is 100 on every
// architecture Go supports.
const tick = 10 * time.Millisecond

// cpuTime is the user+system CPU time of a process and all its threads.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it do not.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14 of proc(5)
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * tick, nil
}

// busyCPU is the CPU time all processes have used since boot, plus time
// stolen by the hypervisor, from the first line of /proc/stat.
func busyCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var ticks int64
	for i, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		// user nice system idle iowait irq softirq steal; idle and iowait
		// are not busy, guest time is already counted in user.
		if i < 8 && i != 3 && i != 4 {
			ticks += n
		}
	}
	return time.Duration(ticks) * tick
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memory reads VmRSS and its anonymous part (heap, stacks) in MB; the
// rest is mostly the executable's own pages, which grow with binary size.
func memory(pid int) (rss, anon float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(b)) {
		key, val, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 64)
		switch key {
		case "VmRSS":
			rss = kb / 1024
		case "RssAnon":
			anon = kb / 1024
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc/<pid>/status")
	}
	return rss, anon, nil
}

// reportLogs shows warnings and errors the servers logged, which would
// otherwise hide behind good-looking numbers.
func reportLogs(dir string) {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, name := range logs {
		b, _ := os.ReadFile(name)
		n := 0
		for line := range strings.Lines(string(b)) {
			if strings.Contains(line, `"level":"warn"`) || strings.Contains(line, `"level":"error"`) {
				if n++; n <= 3 {
					fmt.Printf("  %s: %s", filepath.Base(name), truncate(line, 300))
				}
			}
		}
		if n > 3 {
			fmt.Printf("  %s: ... %d warnings or errors in all\n", filepath.Base(name), n)
		}
	}
}

func report(o options, targets []*target) {
	fmt.Printf("\n%d concurrent clients, %d rounds of %v per server, %d cold starts per server; medians.\n\n",
		o.concurrency, o.rounds, o.duration, o.starts)
	fmt.Print("| | ")
	for _, t := range targets {
		fmt.Print(t.name, " | ")
	}
	fmt.Println("mcpgen target |")
	fmt.Println("|---|" + strings.Repeat("---:|", len(targets)) + "---|")
	row := func(label, target string, f func(t *target) string) {
		fmt.Print("| ", label, " | ")
		for _, t := range targets {
			fmt.Print(f(t), " | ")
		}
		fmt.Println(target, "|")
	}
	med := func(f func(r result) float64) func(t *target) float64 {
		return func(t *target) float64 {
			var v []float64
			for _, r := range t.runs {
				v = append(v, f(r))
			}
			return median(v)
		}
	}
	perSec := med(result.perSec)
	row("throughput, calls/s", "", func(t *target) string { return fmt.Sprintf("%.0f", perSec(t)) })
	var base float64
	for _, t := range targets {
		if t.name == "hand-written" {
			base = perSec(t)
		}
	}
	row("throughput vs hand-written", "≥ 0.95", func(t *target) string {
		if base == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", perSec(t)/base)
	})
	row("latency p50, ms", "", func(t *target) string {
		return fmt.Sprintf("%.2f", med(func(r result) float64 { return ms(r.p50) })(t))
	})
	row("latency p99, ms", "", func(t *target) string {
		return fmt.Sprintf("%.2f", med(func(r result) float64 { return ms(r.p99) })(t))
	})
	row("server CPU per call, µs", "", func(t *target) string { return fmt.Sprintf("%.0f", med(result.cpuPerCall)(t)) })
	row("errors (all rounds)", "0", func(t *target) string {
		n := 0
		for _, r := range t.runs {
			n += r.errors
		}
		return strconv.Itoa(n)
	})
	row("idle RSS, MB", "< 30", func(t *target) string { return fmt.Sprintf("%.1f", t.idleRSSMB) })
	row("… of which anonymous (heap, stacks), MB", "", func(t *target) string { return fmt.Sprintf("%.1f", t.idleAnonMB) })
	row("RSS after load, MB", "", func(t *target) string { return fmt.Sprintf("%.1f", t.loadRSSMB) })
	row("start to initialize, ms", "< 100", func(t *target) string { return fmt.Sprintf("%.1f", median(t.startMs)) })
	worst := 0.0
	row("other load on the box, cores (worst run)", "~0", func(t *target) string {
		w := 0.0
		for _, r := range t.runs {
			w = max(w, r.otherCores())
		}
		worst = max(worst, w)
		return fmt.Sprintf("%.2f", w)
	})
	if worst > 0.1 {
		fmt.Println("\nWARNING: other processes used CPU during the runs; the numbers are not clean. Re-run on a quiet machine.")
	}
}

func makeDB(path string, rows int) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	// WAL, as a production SQLite file would be; it also keeps the file's
	// mode fixed whichever server opens it first.
	if _, err := db.Exec(`PRAGMA journal_mode = WAL`); err != nil {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE orders (
		id INTEGER PRIMARY KEY, org TEXT, status TEXT, total_cents INTEGER, placed_at TIMESTAMP)`); err != nil {
		return err
	}
	ins, err := tx.Prepare(`INSERT INTO orders VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2)) // the same data every run
	orgs := []string{"acme", "globex"}
	statuses := []string{"pending", "paid", "shipped", "delivered", "cancelled"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for id := 1; id <= rows; id++ {
		placed := t0.Add(time.Duration(id) * 5 * time.Minute)
		if _, err := ins.Exec(id, orgs[rng.IntN(2)], statuses[rng.IntN(5)], 500+rng.IntN(500_000), placed); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func step(format string, args ...any) {
	fmt.Printf("- "+format+"\n", args...)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fmtList(v []float64) string { return fmtPrec(v, 1) }

func fmtList2(v []float64) string { return fmtPrec(v, 2) }

func fmtPrec(v []float64, prec int) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(x, 'f', prec, 64)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
