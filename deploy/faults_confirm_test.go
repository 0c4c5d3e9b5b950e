package deploy_test

// The confirmation phases: a client calls confirmed_write (a confirm
// block: the server asks the user before it writes) and the user answers
// while the replica that asked is restarted (SIGTERM, drain, start) or
// killed (SIGKILL, start), under steady load through HAProxy.
//
//   - 2025-11-25, with a session: elicitation/create comes on the call's
//     own response stream, and the answer must reach the replica waiting
//     for it; HAProxy keeps the session there (stickiness on
//     Mcp-Session-Id) while it is up. A replica that begins to shut down
//     withdraws its questions (the call ends with the restarting error,
//     nothing run), and whichever replica serves the session next asks
//     again: the session id carries the client's capabilities.
//   - 2026-07-28: the question is an input_required result with a sealed
//     requestState, and the answer a new tools/call that any replica
//     sharing --session-key-file accepts, once.
//
// Every confirmed write must be in PostgreSQL once, every declined or
// failed one not at all, and an accepted answer replayed to any replica,
// before or after a restart, must run nothing.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// tap is an http.RoundTripper that notes which replica HAProxy sent the
// last tools/call to (its X-Served-By header), and keeps the last
// tools/call that carried a requestState (an answer), to replay it.
type tap struct {
	mu       sync.Mutex
	servedBy string
	answer   []byte
	header   http.Header
}

func (tp *tap) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !bytes.Contains(body, []byte(`"tools/call"`)) {
		return resp, err
	}
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.servedBy = resp.Header.Get("X-Served-By")
	if bytes.Contains(body, []byte(`"requestState"`)) {
		tp.answer, tp.header = body, req.Header.Clone()
	}
	return resp, nil
}

func (tp *tap) served() string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.servedBy
}

func (tp *tap) lastAnswer() ([]byte, http.Header) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.answer, tp.header
}

// question is one elicitation as the user sees it: which replica asked,
// and where the test puts the user's answer.
type question struct {
	replica string
	answer  chan mcp.ElicitationResponseAction
}

// user is an elicitation handler standing for the human at the client: it
// hands each question to the test and answers what the test says, when
// the test says.
type user struct {
	tap   *tap
	asked chan question
}

func (u *user) Elicit(ctx context.Context, _ mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	q := question{replica: u.tap.served(), answer: make(chan mcp.ElicitationResponseAction, 1)}
	select {
	case u.asked <- q:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case a := <-q.answer:
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: a}}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// confirmer is an mcp-go client that calls confirmed_write and whose user
// answers when told.
type confirmer struct {
	*goClient
	tap  *tap
	user *user
	n    int
}

func newConfirmer(t *testing.T, url, name, version string) *confirmer {
	t.Helper()
	tp := &tap{}
	u := &user{tap: tp, asked: make(chan question)}
	g := newGoClientWith(t, url, name, version, []client.ClientOption{client.WithElicitationHandler(u)},
		transport.WithHTTPBasicClient(&http.Client{Transport: tp}))
	return &confirmer{goClient: g, tap: tp, user: u}
}

// call starts confirmed_write with a new id and returns the question the
// server asked, the id, and where the call's outcome will arrive.
func (cf *confirmer) call(t *testing.T) (question, string, <-chan outcome) {
	t.Helper()
	q, id, done := cf.callOrRefused(t)
	if q.answer == nil {
		o := <-done
		t.Fatalf("%s: the user was not asked: %s: %s", id, o.class, o.detail)
	}
	return q, id, done
}

// callOrRefused is call, for a call that may end without asking: then
// the question is empty and the outcome is waiting in done.
func (cf *confirmer) callOrRefused(t *testing.T) (question, string, <-chan outcome) {
	t.Helper()
	cf.n++
	id := fmt.Sprintf("%s-%d", cf.name, cf.n)
	done := make(chan outcome, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		req := mcp.CallToolRequest{}
		req.Params.Name = "confirmed_write"
		req.Params.Arguments = map[string]any{"call_id": id, "client": cf.name}
		start := time.Now()
		res, err := cf.c.CallTool(ctx, req)
		o := outcome{client: cf.name, id: id, dur: time.Since(start), ok: err == nil && !res.IsError}
		if !o.ok {
			o.class, o.detail = classifyConfirm(res, err)
		}
		done <- o
	}()
	select {
	case q := <-cf.user.asked:
		if q.replica == "" {
			t.Fatalf("%s: the question came without HAProxy's X-Served-By header", id)
		}
		return q, id, done
	case o := <-done:
		done <- o
		return question{}, id, done
	case <-time.After(time.Minute):
		t.Fatalf("%s: the user was not asked within a minute", id)
	}
	panic("unreachable")
}

func classifyConfirm(res *mcp.CallToolResult, err error) (string, string) {
	class, detail := classify(res, err)
	switch {
	case strings.Contains(detail, "the user declined"):
		return "declined by the user", detail
	case strings.Contains(detail, "already used"):
		return "confirmation already used", detail
	case strings.Contains(detail, "cannot ask for it"):
		return "refused: cannot ask on this session", detail
	case strings.Contains(detail, "unexpected nil response"):
		return "stream cut", detail
	case strings.Contains(detail, "the server is restarting"):
		return classRestarting, detail
	case strings.Contains(detail, "Nothing was run"):
		return "not run: " + class, detail
	}
	return class, detail
}

// classRestarting is a confirmation withdrawn at shutdown: the client
// calls again (runtime.ErrRestarting).
const classRestarting = "withdrawn: the server is restarting"

// await waits for a call's outcome.
func await(t *testing.T, done <-chan outcome) outcome {
	t.Helper()
	select {
	case o := <-done:
		return o
	case <-time.After(2 * time.Minute):
		t.Fatal("a confirmed call did not end within two minutes")
	}
	panic("unreachable")
}

// replicaIndex is the number in HAProxy's server name (r2 -> 2).
func replicaIndex(t *testing.T, name string) int {
	t.Helper()
	var i int
	if _, err := fmt.Sscanf(name, "r%d", &i); err != nil {
		t.Fatalf("X-Served-By %q names no replica: %v", name, err)
	}
	return i
}

// background runs deploy/run.sh args without waiting; wait reports how it
// ended.
func (d *deployment) background(t *testing.T, args ...string) (wait func()) {
	t.Helper()
	cmd := exec.Command("../deploy/run.sh", args...)
	cmd.Env = append(os.Environ(), "MCPGEN_DEPLOY_DIR="+d.dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("run.sh %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
}

// haproxyState is replica i's state as HAProxy's statistics show it.
func (d *deployment) haproxyState(t *testing.T, i int) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%s/;csv", d.env["STATS_PORT"]))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		f := strings.Split(line, ",")
		if len(f) > 17 && f[0] == "mcpgen" && f[1] == fmt.Sprintf("r%d", i) {
			return f[17]
		}
	}
	t.Fatalf("HAProxy's statistics have no r%d", i)
	return ""
}

// until polls cond (state in another process, which sends no signal) for
// up to a minute.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// replay posts a recorded tools/call to url and returns the tool result's
// isError and text.
func replay(t *testing.T, url string, body []byte, header http.Header) (bool, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("replay to %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// A JSON body, or one SSE event carrying it.
	msg := raw
	if i := bytes.Index(raw, []byte("data: ")); i >= 0 {
		msg, _, _ = bytes.Cut(raw[i+len("data: "):], []byte("\n"))
	}
	var rpc struct {
		Result *struct {
			IsError bool
			Content []struct{ Text string }
		}
		Error *struct{ Message string }
	}
	if err := json.Unmarshal(msg, &rpc); err != nil {
		t.Fatalf("replay to %s: status %d, %q: %v", url, resp.StatusCode, raw, err)
	}
	if rpc.Error != nil {
		return true, rpc.Error.Message
	}
	if rpc.Result == nil {
		t.Fatalf("replay to %s: no result: %s", url, raw)
	}
	var text strings.Builder
	for _, c := range rpc.Result.Content {
		text.WriteString(c.Text)
	}
	return rpc.Result.IsError, text.String()
}

func TestFaultsConfirm(t *testing.T) {
	if os.Getenv("MCPGEN_FAULTS") != "1" {
		t.Skip("set MCPGEN_FAULTS=1 to run the fault phases (scripts/test.sh does)")
	}
	d := startDeployment(t, 3)
	url := d.env["MCP_URL"]
	rec, confirmed := newRecorder(), newRecorder()

	// Steady load beside the confirmations: one client of each era.
	load := []*goClient{
		newGoClient(t, url, "load-session", mcp.ProtocolVersion20251125),
		newGoClient(t, url, "load-stateless", mcp.LATEST_PROTOCOL_VERSION),
	}
	stop := make(chan struct{})
	var running sync.WaitGroup
	for _, g := range load {
		running.Add(1)
		go g.run(rec, stop, &running)
	}
	stopLoad := sync.OnceFunc(func() { close(stop); running.Wait() })
	defer stopLoad()
	const steady = 50
	rec.await(t, steady)

	// 7: a session (2025-11-25). Each round answers while the replica
	// that asked is being restarted or after it was killed; the call is
	// then called again, with a new id, on the same session.
	rec.enter(phaseConfirmSession)
	confirmed.enter(phaseConfirmSession)
	type round struct {
		name   string
		action mcp.ElicitationResponseAction
		// fault breaks replica i and returns once the answer may go.
		fault func(i int) (after func())
		// failover: the call is made again at once, while the replica
		// is out, so that another replica takes the session over.
		failover bool
	}
	draining := func(i int) func() {
		wait := d.background(t, "restart", fmt.Sprint(i))
		until(t, fmt.Sprintf("replica %d drains", i), func() bool { code, _ := d.readyz(i); return code == http.StatusServiceUnavailable })
		return wait
	}
	takenOut := func(i int) func() {
		wait := d.background(t, "restart", fmt.Sprint(i))
		until(t, fmt.Sprintf("HAProxy takes replica %d out", i), func() bool { return !strings.HasPrefix(d.haproxyState(t, i), "UP") })
		return wait
	}
	killed := func(i int) func() {
		d.run(t, "kill", fmt.Sprint(i))
		return func() {}
	}
	var notes []string
	note := func(format string, args ...any) {
		t.Helper()
		n := fmt.Sprintf(format, args...)
		t.Log(n)
		notes = append(notes, n)
	}
	describe := func(o outcome) string {
		if o.ok {
			return "succeeded"
		}
		return fmt.Sprintf("%s after %s: %s", o.class, o.dur.Round(time.Millisecond), o.detail)
	}
	// Each round has a session of its own: what a session keeps after its
	// replica restarted is checked by calling again on it.
	sessionRounds := []round{
		{"SIGTERM, answered while the replica drains", mcp.ElicitationResponseActionAccept, draining, false},
		{"SIGTERM, answered after HAProxy took the replica out", mcp.ElicitationResponseActionAccept, takenOut, true},
		{"SIGKILL, answered after the replica restarted", mcp.ElicitationResponseActionAccept, killed, false},
		{"SIGTERM, declined while the replica drains", mcp.ElicitationResponseActionDecline, draining, false},
	}
	for k, r := range sessionRounds {
		sess := newConfirmer(t, url, fmt.Sprintf("confirm-session%d", k+1), mcp.ProtocolVersion20251125)
		if sess.session == "" {
			t.Fatalf("%s: no session id", sess.name)
		}
		q, id, done := sess.call(t)
		after := r.fault(replicaIndex(t, q.replica))
		q.answer <- r.action
		o := await(t, done)
		confirmed.add(o)
		note("7. %s (%s, asked by %s): %s", r.name, id, q.replica, describe(o))
		if r.failover {
			// The replica that asked is out: another takes the session
			// over, and asks, knowing from the id that it may.
			again, againID, againDone := sess.callOrRefused(t)
			if again.answer != nil {
				again.answer <- mcp.ElicitationResponseActionAccept
			}
			ao := await(t, againDone)
			confirmed.add(ao)
			note("7. %s, then called again at once on the same session (%s, asked by %s): %s", r.name, againID, again.replica, describe(ao))
			switch {
			case again.answer == nil:
				t.Errorf("%s: called again while %s was out, %s was not asked: %s: %s", r.name, q.replica, againID, ao.class, ao.detail)
			case again.replica == q.replica:
				t.Errorf("%s: called again, %s was asked by %s, which HAProxy had taken out", r.name, againID, again.replica)
			case !ao.ok:
				t.Errorf("%s: called again on another replica, %s failed: %s: %s", r.name, againID, ao.class, ao.detail)
			}
		}
		after()
		// What is guaranteed: a call on a replica that is shut down
		// (SIGTERM) completes as answered, or is withdrawn with the
		// restarting error; one on a killed replica fails. Either way a
		// failed call wrote nothing (checked below, against PostgreSQL).
		sigkill := k == 2
		switch {
		case sigkill && o.ok:
			t.Errorf("%s: %s succeeded, and the replica that asked was killed before the answer", r.name, id)
		case sigkill:
		case r.action == mcp.ElicitationResponseActionDecline && o.class != "declined by the user" && o.class != classRestarting:
			t.Errorf("%s: %s: %s: %s, want the decline or the restarting error", r.name, id, o.class, o.detail)
		case r.action == mcp.ElicitationResponseActionAccept && !o.ok && o.class != classRestarting:
			t.Errorf("%s: %s: %s: %s, want it done or withdrawn with the restarting error", r.name, id, o.class, o.detail)
		}
		// The same session, after its replica restarted: it keeps its id
		// (no initialize), and the replica now serving it knows from the
		// id that the client can be asked, so the call is asked and runs.
		q, id, done = sess.callOrRefused(t)
		if q.answer != nil {
			q.answer <- mcp.ElicitationResponseActionAccept
		}
		o = await(t, done)
		confirmed.add(o)
		kept := "kept its session id"
		if sess.c.GetSessionId() != sess.session {
			kept = "lost its session (the client must initialize again)"
			t.Errorf("%s: the session %s was lost across the restart of its replica", r.name, sess.session)
		}
		note("7. %s, then called again on the same session (%s, asked by %s): %s; the client %s", r.name, id, q.replica, describe(o), kept)
		switch {
		case q.answer == nil:
			t.Errorf("%s: called again on the same session, %s was not asked: %s: %s", r.name, id, o.class, o.detail)
		case !o.ok:
			t.Errorf("%s: called again on the same session, %s failed: %s: %s", r.name, id, o.class, o.detail)
		}
		rec.await(t, steady/5)
	}
	// A client that initializes again is asked again, and its answer runs.
	fresh := newConfirmer(t, url, "confirm-session-new", mcp.ProtocolVersion20251125)
	q, id, done := fresh.call(t)
	q.answer <- mcp.ElicitationResponseActionAccept
	o := await(t, done)
	confirmed.add(o)
	note("7. a new session after the restarts (%s): %s", id, describe(o))
	if !o.ok {
		t.Errorf("a new session after the restarts: %s: %s: %s", id, o.class, o.detail)
	}
	rec.await(t, steady)

	// 8: protocol 2026-07-28. The replica that asked is restarted or
	// killed before the user answers; the answer, a new call, goes to
	// whichever replica HAProxy picks, and must run exactly once. The
	// accepted answer is then replayed to every replica and through
	// HAProxy, and again after the replica that ran it restarts: each
	// replay must run nothing.
	rec.enter(phaseConfirmModern)
	confirmed.enter(phaseConfirmModern)
	modern := newConfirmer(t, url, "confirm-modern", mcp.LATEST_PROTOCOL_VERSION)
	restarted := func(i int) func() { d.run(t, "restart", fmt.Sprint(i)); return func() {} }
	modernRounds := []round{
		{"SIGTERM: the replica that asked restarted before the answer", mcp.ElicitationResponseActionAccept, restarted, false},
		{"SIGKILL: the replica that asked killed and restarted before the answer", mcp.ElicitationResponseActionAccept, killed, false},
		{"SIGTERM, declined", mcp.ElicitationResponseActionDecline, restarted, false},
	}
	replays, refused := 0, 0
	for _, r := range modernRounds {
		q, id, done := modern.call(t)
		after := r.fault(replicaIndex(t, q.replica))
		q.answer <- r.action
		o := await(t, done)
		after()
		confirmed.add(o)
		note("8. %s (%s, asked by %s, answered on %s): %s", r.name, id, q.replica, modern.tap.served(), describe(o))
		switch {
		case r.action == mcp.ElicitationResponseActionDecline && o.class != "declined by the user":
			t.Errorf("%s: %s: %s: %s, want the decline", r.name, id, o.class, o.detail)
		case r.action == mcp.ElicitationResponseActionAccept && !o.ok:
			t.Errorf("%s: %s failed: %s: %s", r.name, id, o.class, o.detail)
		}
		if !o.ok {
			continue
		}
		body, header := modern.tap.lastAnswer()
		if !bytes.Contains(body, []byte(id)) {
			t.Fatalf("%s: the recorded answer is not %s's: %s", r.name, id, body)
		}
		ran := replicaIndex(t, modern.tap.served())
		targets := []string{url}
		for i := 1; i <= d.replicas(); i++ {
			targets = append(targets, fmt.Sprintf("http://127.0.0.1:%s/mcp", d.env[fmt.Sprintf("REPLICA_%d_PORT", i)]))
		}
		check := func(target string) {
			replays++
			isErr, text := replay(t, target, body, header)
			if isErr && strings.Contains(text, "Nothing was run") {
				refused++
				return
			}
			t.Errorf("%s: the accepted answer of %s replayed to %s: isError %v, %q: want it refused", r.name, id, target, isErr, text)
		}
		for _, target := range targets {
			check(target)
		}
		d.run(t, "restart", fmt.Sprint(ran))
		check(targets[ran])
	}
	note("8. accepted answers replayed: %d, refused: %d", replays, refused)
	rec.await(t, steady)
	stopLoad()

	rows := countRows(t, d)
	rec.mu.Lock()
	loadStats := stats(rec.outcomes, rows)
	rec.mu.Unlock()
	confirmed.mu.Lock()
	confirmStats := stats(confirmed.outcomes, rows)
	confirmed.mu.Unlock()
	var table []reportRow
	for _, p := range []int{phaseConfirmSession, phaseConfirmModern} {
		table = append(table,
			reportRow{phaseNames[p] + ": confirmed calls", confirmStats[p]},
			reportRow{phaseNames[p] + ": steady load", loadStats[p]})
	}
	text := reportRows(table) + "\n" + strings.Join(notes, "\n") + "\n"
	t.Logf("confirmation phases, %d replicas behind HAProxy:\n%s", d.replicas(), text)
	if path := os.Getenv("MCPGEN_FAULTS_REPORT"); path != "" {
		if err := appendFile(path, text); err != nil {
			t.Error(err)
		}
	}

	// A confirmed call that failed or was declined wrote nothing: the
	// faults come before the answer. A call of the steady load in flight
	// on the killed replica may have written before it died (failed but
	// written), as in phase 2.
	for _, s := range confirmStats {
		if s.lost > 0 || s.dup > 0 || s.ghost > 0 {
			t.Errorf("confirmed calls: %d writes lost, %d written twice, %d failed or declined but written", s.lost, s.dup, s.ghost)
		}
	}
	for p, s := range loadStats {
		if s.lost > 0 || s.dup > 0 {
			t.Errorf("%s, steady load: %d writes lost, %d written twice", phaseNames[p], s.lost, s.dup)
		}
	}
	// The load: only calls in flight on a killed replica may fail.
	for _, p := range []int{phaseConfirmSession, phaseConfirmModern} {
		if s := loadStats[p]; s != nil && s.failures() > len(load) {
			t.Errorf("%s: %d calls of the steady load failed, more than its %d clients could have had in flight on the killed replica: %v",
				phaseNames[p], s.failures(), len(load), s.failed)
		}
	}
	if s := confirmStats[phaseConfirmModern]; s != nil {
		for class, n := range s.failed {
			if class != "declined by the user" {
				t.Errorf("%s: %d confirmed calls failed with %s (%s): a 2026-07-28 answer must survive the restart of the replica that asked",
					phaseNames[phaseConfirmModern], n, class, s.samples[class])
			}
		}
	}
}

// countRows is how many rows each call id has in PostgreSQL.
func countRows(t *testing.T, d *deployment) map[string]int {
	t.Helper()
	db, err := sql.Open("pgx", d.env["PG_DSN"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows := map[string]int{}
	q, err := db.Query("SELECT call_id, count(*) FROM writes GROUP BY call_id")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var id string
		var n int
		if err := q.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		rows[id] = n
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
