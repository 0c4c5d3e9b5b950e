package transport_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// stdioServer is a server being served over a pair of pipes, as a client
// process would see it: stdin to write to, stdout to read from.
type stdioServer struct {
	stdin  *io.PipeWriter
	stdout *io.PipeReader
	cancel context.CancelFunc
	done   chan error // ServeStdio's result
}

func serveStdio(t *testing.T, srv *runtime.Server, grace time.Duration) *stdioServer {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	s := &stdioServer{stdin: inW, stdout: outR, cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := transport.ServeStdio(ctx, srv, inR, outW, grace)
		outW.Close() // the process exits: its stdout ends
		s.done <- err
	}()
	t.Cleanup(func() {
		inW.Close()
		cancel()
		if _, err := s.returned(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return s
}

// returned waits for ServeStdio to return and gives its error; the error
// of returned is set when it does not return in time.
func (s *stdioServer) returned() (served error, err error) {
	select {
	case served = <-s.done:
		s.done <- served // for the cleanup
		return served, nil
	case <-time.After(waitLimit):
		return nil, fmt.Errorf("ServeStdio did not return within %s", waitLimit)
	}
}

func (s *stdioServer) awaitReturn(t *testing.T) {
	t.Helper()
	served, err := s.returned()
	if err != nil {
		t.Fatal(err)
	}
	if served != nil {
		t.Errorf("ServeStdio: %v", served)
	}
}

// initialized initializes the session over raw lines (initialize,
// notifications/initialized) and returns the reader of stdout.
func (s *stdioServer) initialized(t *testing.T) *output {
	t.Helper()
	out := readOutput(t, s.stdout)
	s.send(t, stdioInitialize)
	out.until(t, `"id":1`)
	s.send(t, stdioInitialized)
	return out
}

// send writes one message line to the server's stdin.
func (s *stdioServer) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		t.Fatalf("writing %s: %v", line, err)
	}
}

// output reads the server's stdout line by line until it ends, checking
// that every line is a JSON-RPC message.
type output struct {
	lines chan string // closed at the end of stdout
	mu    sync.Mutex
	all   []string
}

func readOutput(t *testing.T, r io.Reader) *output {
	o := &output{lines: make(chan string, 64)}
	go func() {
		defer close(o.lines)
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			o.mu.Lock()
			o.all = append(o.all, sc.Text())
			o.mu.Unlock()
			o.lines <- sc.Text()
		}
	}()
	return o
}

// next is the next line of stdout; ok is false at its end.
func (o *output) next(t *testing.T) (line string, ok bool) {
	t.Helper()
	select {
	case line, ok = <-o.lines:
		return line, ok
	case <-time.After(waitLimit):
		t.Fatalf("stdout said nothing for %s", waitLimit)
		return "", false
	}
}

// until reads up to and including the first line holding want.
func (o *output) until(t *testing.T, want string) string {
	t.Helper()
	for {
		line, ok := o.next(t)
		if !ok {
			t.Fatalf("stdout ended without a line holding %q", want)
		}
		if strings.Contains(line, want) {
			return line
		}
	}
}

// rest reads stdout to its end and returns the answers in it by id.
func (o *output) rest(t *testing.T) map[string]string {
	t.Helper()
	answers := map[string]string{}
	for {
		line, ok := o.next(t)
		if !ok {
			return answers
		}
		if id, answer := answerID(line); answer {
			answers[id] = line
		}
	}
}

// answerID is the id of a JSON-RPC answer; answer is false for anything
// else.
func answerID(line string) (id string, answer bool) {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if err := json.Unmarshal([]byte(line), &m); err != nil || m.Method != "" || m.ID == nil {
		return "", false
	}
	return string(m.ID), true
}

// onlyProtocol checks that everything written to stdout was a JSON-RPC
// 2.0 message: stdout is the protocol's, and a stray line breaks clients.
func onlyProtocol(t *testing.T, lines []string) {
	t.Helper()
	if len(lines) == 0 {
		t.Error("nothing was written to stdout")
	}
	for _, line := range lines {
		var m struct {
			JSONRPC string `json:"jsonrpc"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil || m.JSONRPC != "2.0" {
			t.Errorf("stdout carried %q, not a JSON-RPC message", line)
		}
	}
}

func (o *output) written() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.all)
}

// unanswered checks that nothing written answered the request with id;
// what says which request that is, for the error.
func (o *output) unanswered(t *testing.T, id, what string) {
	t.Helper()
	for _, line := range o.written() {
		if got, answer := answerID(line); answer && got == id {
			t.Errorf("%s was answered: %s", what, line)
		}
	}
}

const (
	stdioInitialize  = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	stdioInitialized = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	stdioCallWait    = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait","arguments":{}}}`
)

// TestStdioSession: mcp-go's client over a pair of pipes initializes,
// lists and calls; closing its end ends the session cleanly, and stdout
// carried nothing but protocol messages.
func TestStdioSession(t *testing.T) {
	for _, version := range []string{mcp.ProtocolVersion20251125, mcp.ProtocolVersion20260728} {
		t.Run(version, func(t *testing.T) {
			srv, _ := newServer(t, serverBlock+sqlSource())
			s := serveStdio(t, srv, longGrace)
			out := &lineRecorder{}
			c := client.NewClient(mcptransport.NewIO(io.TeeReader(s.stdout, out), s.stdin, nil))
			if err := c.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			init := initialize(t, c, version)
			if init.ServerInfo.Name != "transport-test" {
				t.Errorf("initialize: server %+v", init.ServerInfo)
			}
			if got := toolNames(t, c); !slices.Equal(got, []string{"echo"}) {
				t.Errorf("tools/list = %v, want [echo]", got)
			}
			if got, want := structured(t, callTool(t, c, "echo", map[string]any{"word": "hi"})), `{"via":"stdio","word":"hi"}`; got != want {
				t.Errorf("echo = %s, want %s", got, want)
			}
			// 2026-07-28 calls go through HandleMessage, earlier ones not.
			if n, want := srv.DirectCalls(), uint64(1); version == mcp.ProtocolVersion20260728 {
				if n != 0 {
					t.Errorf("DirectCall answered %d calls of 2026-07-28", n)
				}
			} else if n != want {
				t.Errorf("DirectCall answered %d calls, want %d", n, want)
			}
			if err := c.Close(); err != nil {
				t.Errorf("closing the client: %v", err)
			}
			s.awaitReturn(t)
			onlyProtocol(t, out.lines())
		})
	}
}

// lineRecorder keeps what passes through it, by line.
type lineRecorder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (r *lineRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.b.Write(p)
}

func (r *lineRecorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Split(strings.TrimSuffix(r.b.String(), "\n"), "\n")
}

// TestStdioDrain: when input ends, or ctx does, the requests already read
// are answered before ServeStdio returns; notifications are not waited
// for, since they get no answer.
func TestStdioDrain(t *testing.T) {
	cases := []struct {
		name string
		end  func(s *stdioServer)
	}{
		{"end of input", func(s *stdioServer) { s.stdin.Close() }},
		{"context cancelled", func(s *stdioServer) { s.cancel() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up := newUpstream(t)
			srv, logs := newServer(t, serverBlock+sqlSource()+up.source())
			s := serveStdio(t, srv, longGrace)
			out := s.initialized(t)
			s.send(t, stdioCallWait)
			awaitSignal(t, up.arrived, "the call reaching the upstream")
			s.send(t, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}`)
			s.send(t, `{"jsonrpc":"2.0","id":3,"method":"ping"}`)
			out.until(t, `"id":3`)

			tc.end(s)
			select {
			case <-up.cancelled:
				t.Fatal("the end of the session cancelled the call in flight")
			case err := <-s.done:
				s.done <- err
				t.Fatalf("ServeStdio returned with a call in flight: %v", err)
			default:
			}
			up.release()
			answers := out.rest(t)
			s.awaitReturn(t)

			if ids := sortedKeys(answers); !slices.Equal(ids, []string{"2"}) {
				t.Errorf("answers after the end: %v, want only the call's (2)", ids)
			}
			if call := answers["2"]; !strings.Contains(call, `"structuredContent":{"done":true}`) || strings.Contains(call, `"isError":true`) {
				t.Errorf("tools/call answer %s, want the upstream's", call)
			}
			onlyProtocol(t, out.written())
			if strings.Contains(logs.String(), "grace period") {
				t.Errorf("a drain that ended in time was reported past the grace period:\n%s", logs)
			}
		})
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestStdioPastGrace: a call still running when the grace period ends is
// cancelled, and ServeStdio returns.
func TestStdioPastGrace(t *testing.T) {
	up := newUpstream(t)
	srv, logs := newServer(t, serverBlock+sqlSource()+up.source())
	s := serveStdio(t, srv, 50*time.Millisecond)
	out := readOutput(t, s.stdout)
	s.send(t, stdioInitialize)
	s.send(t, stdioInitialized)
	s.send(t, stdioCallWait)
	awaitSignal(t, up.arrived, "the call reaching the upstream")
	s.stdin.Close()
	awaitSignal(t, up.cancelled, "the upstream request being cancelled")
	out.rest(t)
	s.awaitReturn(t)
	logs.await(t, "calls still running after the grace period; cancelling them")
	onlyProtocol(t, out.written())
}

// TestStdioListenEnds: a subscriptions/listen stream is answered only when
// it ends, so the end of input does not wait for its answer (it would
// always wait out the grace period).
func TestStdioListenEnds(t *testing.T) {
	srv, logs := newServer(t, serverBlock+sqlSource())
	s := serveStdio(t, srv, longGrace)
	out := readOutput(t, s.stdout)
	s.send(t, `{"jsonrpc":"2.0","id":7,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}`)
	out.until(t, string(mcp.MethodNotificationSubscriptionsAcknowledged))
	s.stdin.Close()
	out.rest(t)
	s.awaitReturn(t)
	onlyProtocol(t, out.written())
	if strings.Contains(logs.String(), "grace period") {
		t.Errorf("the listen stream held the end of input for the grace period:\n%s", logs)
	}
}

// quiet is how long a test watches for something that must not happen
// and has no signal of its absence.
const quiet = time.Second

// TestStdioDrainSurvivesUnparsableLine: a line that is not JSON gets an
// answer with a null id (a parse error). That answer is not one of the
// requests the drain waits for, so it must not count as one: a call in
// flight when input ends must still be let finish.
func TestStdioDrainSurvivesUnparsableLine(t *testing.T) {
	up := newUpstream(t)
	srv, _ := newServer(t, serverBlock+sqlSource()+up.source())
	s := serveStdio(t, srv, longGrace)
	out := s.initialized(t)
	s.send(t, stdioCallWait)
	awaitSignal(t, up.arrived, "the call reaching the upstream")
	s.send(t, `this is not JSON`)
	out.until(t, `"id":null`)

	s.stdin.Close()
	select {
	case <-up.cancelled:
		t.Error("the end of input cancelled the call in flight: the parse error's answer was counted as the call's")
	case err := <-s.done:
		s.done <- err
		t.Error("ServeStdio returned with a call in flight")
	case <-time.After(quiet):
	}
	up.release()
	out.rest(t)
	s.awaitReturn(t)
}

// TestStdioBlankLines: a blank line between messages is no message: it
// gets no answer (mcp-go's stdio server answered it with a parse error,
// and it was audited as not JSON), and the next message is answered first.
func TestStdioBlankLines(t *testing.T) {
	srv, _ := newServer(t, serverBlock+sqlSource())
	s := serveStdio(t, srv, longGrace)
	out := readOutput(t, s.stdout)
	s.send(t, "")
	s.send(t, "  \r")
	s.send(t, `{"jsonrpc":"2.0","id":7,"method":"ping"}`)
	line, ok := out.next(t)
	if !ok || !strings.Contains(line, `"id":7`) || strings.Contains(line, `"error"`) {
		t.Errorf("first line out: %q (ok %v), want the ping's answer", line, ok)
	}
	s.stdin.Close()
	out.rest(t)
	s.awaitReturn(t)
}

// TestStdioCancelledGetsNoAnswer: a call its client cancelled is not
// answered (the specification asks receivers not to), and a cancellation
// of an id not in flight changes nothing for a later request with that
// id. A client that cancels has often stopped reading too.
func TestStdioCancelledGetsNoAnswer(t *testing.T) {
	up := newUpstream(t)
	srv, logs := newServer(t, serverBlock+sqlSource()+up.source())
	s := serveStdio(t, srv, longGrace)
	out := s.initialized(t)
	s.send(t, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}`)
	s.send(t, stdioCallWait)
	awaitSignal(t, up.arrived, "the call reaching the upstream")
	s.send(t, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}`)
	awaitSignal(t, up.cancelled, "the call being cancelled")
	logs.await(t, `"log":"audit"`, `"tool":"wait"`, `"error_class":"cancelled"`)
	s.send(t, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"word":"after"}}}`)
	out.until(t, `"id":3`)
	s.stdin.Close()
	out.rest(t)
	s.awaitReturn(t)
	out.unanswered(t, "2", "the cancelled call")
}

// TestStdioCallWithResult: a tools/call that also carries a result is an
// answer to mcp-go, which runs nothing for it; stdio's direct path does
// the same.
func TestStdioCallWithResult(t *testing.T) {
	srv, logs := newServer(t, serverBlock+sqlSource())
	s := serveStdio(t, srv, longGrace)
	out := s.initialized(t)
	s.send(t, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"word":"with-result"}},"result":{}}`)
	s.send(t, `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"word":"plain"}}}`)
	out.until(t, `"id":6`)
	s.stdin.Close()
	out.rest(t)
	s.awaitReturn(t)
	out.unanswered(t, "5", "a message with a result")
	if strings.Contains(logs.String(), "with-result") {
		t.Error("a message with a result ran its tool")
	}
}

// TestStdioCancelledWhileQueued: a tools/call waiting for its turn
// behind stdioCalls running ones, which its client then cancels, never
// runs, and gets no answer.
func TestStdioCancelledWhileQueued(t *testing.T) {
	up := newUpstream(t)
	srv, logs := newServer(t, serverBlock+sqlSource()+up.source())
	s := serveStdio(t, srv, longGrace)
	out := s.initialized(t)
	for i := 10; i < 15; i++ { // every turn taken
		s.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"wait","arguments":{}}}`, i))
	}
	for range 5 {
		awaitSignal(t, up.arrived, "a wait call reaching the upstream")
	}
	s.send(t, `{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"echo","arguments":{"word":"queued"}}}`)
	s.send(t, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":20}}`)
	// Lines are dispatched in order: once the ping is answered, the
	// cancellation has been taken.
	s.send(t, `{"jsonrpc":"2.0","id":21,"method":"ping"}`)
	out.until(t, `"id":21`)
	up.release()
	s.stdin.Close()
	out.rest(t)
	s.awaitReturn(t)
	out.unanswered(t, "20", "the cancelled queued call")
	if strings.Contains(logs.String(), "queued") || strings.Contains(logs.String(), `"tool":"echo"`) {
		t.Errorf("the cancelled queued call ran:\n%s", logs.String())
	}
}

// TestStdioStaleAnswer: an answer to a request of the server's that no
// call waits for is dropped and audited as stale_answer, as over HTTP.
func TestStdioStaleAnswer(t *testing.T) {
	srv, logs := newServer(t, serverBlock+sqlSource())
	s := serveStdio(t, srv, longGrace)
	out := s.initialized(t)
	s.send(t, `{"jsonrpc":"2.0","id":77,"result":{"action":"accept","content":{}}}`)
	logs.await(t, `"log":"audit"`, `"transport":"stdio"`, `"error_class":"stale_answer"`, `request 77`)
	s.stdin.Close()
	out.rest(t)
	s.awaitReturn(t)
}
