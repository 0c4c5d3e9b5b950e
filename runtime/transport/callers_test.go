package transport_test

// What one caller can do to another, and how much it can make the server
// hold: cancellations, session ids, and floods of sessions and streams.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/transport"
)

// TestCancellationReachesOnlyOwnRequests: a notifications/cancelled from
// one caller never ends another caller's call with the same request id,
// whether the server issues no sessions, the client speaks 2026-07-28
// (which has none), or the other caller has learnt the session id. The
// attempt is audited; a caller's own cancellation still works.
func TestCancellationReachesOnlyOwnRequests(t *testing.T) {
	cases := []struct {
		name      string
		stateless bool
		modern    bool
		leaked    bool // bob posts on alice's session
		status    int  // the answer to bob's cancellation
		class     string
	}{
		{name: "stateless", stateless: true, status: http.StatusAccepted, class: "cancellation"},
		{name: "2026-07-28", modern: true, status: http.StatusAccepted, class: "cancellation"},
		{name: "on a leaked session id", leaked: true, status: http.StatusNotFound, class: "session"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t)
			e := serveCallers(t, u, callersOptions(func(o *transport.HTTPOptions) { o.Stateless = tc.stateless }))
			session, bobs := "", ""
			if !tc.stateless && !tc.modern {
				session = e.open(t, alice)
			}
			if tc.leaked {
				bobs = session
			}

			// Alice cancels her own call.
			call := e.callAsync(callWait(alice, session, 1, tc.modern))
			awaitSignal(t, u.arrived, "alice's first call reaching the upstream")
			if a := e.ask(t, cancelWait(alice, session, 1, tc.modern)); a.status != http.StatusAccepted {
				t.Errorf("alice's cancellation: %d %s", a.status, a.body)
			}
			awaitSignal(t, u.cancelled, "alice's call being cancelled")
			awaitCalled(t, call)
			if got := e.audited(t, map[string]any{"tool": "wait", "subject": "alice", "error_class": "cancelled"}); len(got) != 1 {
				t.Errorf("%d records of alice's cancelled call, want 1:\n%s", len(got), e.logs)
			}

			// Bob names the id of her next call: it runs to its end.
			call = e.callAsync(callWait(alice, session, 1, tc.modern))
			awaitSignal(t, u.arrived, "alice's second call reaching the upstream")
			if a := e.ask(t, cancelWait(bob, bobs, 1, tc.modern)); a.status != tc.status {
				t.Errorf("bob's cancellation: %d %s, want %d", a.status, a.body, tc.status)
			}
			u.release()
			if got := awaitCalled(t, call); got.err != nil || got.text != `{"done":true}` {
				t.Fatalf("alice's call after bob's cancellation: %q, %v; want its result", got.text, got.err)
			}
			if got := e.audited(t, map[string]any{"subject": "bob", "outcome": "denied", "error_class": tc.class}); len(got) != 1 {
				t.Errorf("%d records of bob's attempt, want 1:\n%s", len(got), e.logs)
			}
			if got := e.audited(t, map[string]any{"tool": "wait", "subject": "alice", "outcome": "ok"}); len(got) != 1 {
				t.Errorf("%d ok records of alice's call, want 1:\n%s", len(got), e.logs)
			}
			if v := e.metric(t, `mcpgen_cancellations_total{result="cancelled"}`); v != "1" {
				t.Errorf("cancellations that cancelled: %q, want 1", v)
			}
		})
	}
}

// forged is a session id in mcpgen's format that no key issued.
func forged() string {
	b := make([]byte, 34)
	_, _ = rand.Read(b) // never fails
	return "s2_" + base64.RawURLEncoding.EncodeToString(b)
}

// TestSessionsBoundToCaller: a session works only for the caller that
// opened it. Another caller's POST, GET or DELETE on it, and any id never
// issued, get 404, are audited, and leave the session alone; a process
// with the same key accepts it, one with another key does not.
func TestSessionsBoundToCaller(t *testing.T) {
	u := newUpstream(t)
	e := serveCallers(t, u, callersOptions(nil))
	sa := e.open(t, alice)

	cases := []struct {
		name string
		req  request
		want int
		who  string // the subject audited; "": not audited
	}{
		{"bob's POST on alice's session", list(bob, sa), http.StatusNotFound, "bob"},
		{"bob's GET stream on alice's session", getStream(bob, sa), http.StatusNotFound, "bob"},
		{"bob's DELETE of alice's session", end(bob, sa), http.StatusNotFound, "bob"},
		{"an id in mcp-go's format, never issued", list(alice, "mcp-session-1b4e28ba-2fa1-11d2-883f-0016d3cca427"), http.StatusNotFound, "alice"},
		{"an id in mcpgen's format, forged", list(alice, forged()), http.StatusNotFound, "alice"},
		{"a GET stream without a session id", getStream(alice, ""), http.StatusBadRequest, ""},
		{"a DELETE without a session id", end(alice, ""), http.StatusBadRequest, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.audited(t, nil))
			if a := e.ask(t, tc.req); a.status != tc.want {
				t.Errorf("%d %s, want %d", a.status, a.body, tc.want)
			}
			records := e.audited(t, nil)[before:]
			switch {
			case tc.who == "" && len(records) != 0:
				t.Errorf("audited: %v", records)
			case tc.who != "" && (len(records) != 1 || records[0]["subject"] != tc.who || records[0]["outcome"] != "denied" || records[0]["error_class"] != "session"):
				t.Errorf("audit records %v, want one of %s's refusal", records, tc.who)
			}
			if a := e.ask(t, list(alice, sa)); a.status != http.StatusOK {
				t.Errorf("alice's session after it: %d %s", a.status, a.body)
			}
		})
	}
	if v := e.metric(t, `mcpgen_http_sessions_rejected_total{reason="not_issued"}`); v != "5" {
		t.Errorf("refused as not issued: %q, want 5", v)
	}

	t.Run("another process", func(t *testing.T) {
		same := serveCallers(t, u, callersOptions(nil))
		if a := same.ask(t, list(alice, sa)); a.status != http.StatusOK {
			t.Errorf("alice's session on a process with the same key: %d %s", a.status, a.body)
		}
		if a := same.ask(t, list(bob, sa)); a.status != http.StatusNotFound {
			t.Errorf("bob on alice's session there: %d, want 404", a.status)
		}
		other := serveCallers(t, u, callersOptions(func(o *transport.HTTPOptions) { o.SessionKey = []byte(strings.Repeat("x", 32)) }))
		if a := other.ask(t, list(alice, sa)); a.status != http.StatusNotFound {
			t.Errorf("alice's session on a process with another key: %d, want 404", a.status)
		}
	})

	t.Run("ended by its caller", func(t *testing.T) {
		if a := e.ask(t, end(alice, sa)); a.status != http.StatusOK {
			t.Fatalf("alice's DELETE: %d %s", a.status, a.body)
		}
		if a := e.ask(t, list(alice, sa)); a.status != http.StatusNotFound {
			t.Errorf("alice's ended session: %d %s, want 404", a.status, a.body)
		}
	})
}

// TestCallerLimits: sessions and streams are capped per caller (429) and
// in total (503), with Retry-After, and counted in the metrics; ending a
// session frees its place, and an initialize that opened none takes none.
func TestCallerLimits(t *testing.T) {
	u := newUpstream(t)
	e := serveCallers(t, u, callersOptions(func(o *transport.HTTPOptions) {
		o.Limits = transport.CallerLimits{SessionsPerCaller: 2, Sessions: 3, StreamsPerCaller: 2, Streams: 3}
	}))
	refused := func(what string, a answer, want int, words string) {
		t.Helper()
		if a.status != want || !strings.Contains(a.body, words) || a.header.Get("Retry-After") == "" {
			t.Errorf("%s: %d %q (Retry-After %q), want %d saying %q", what, a.status, a.body, a.header.Get("Retry-After"), want, words)
		}
	}

	// An initialize mcp-go refuses takes no place.
	for range 3 {
		bad := initializeAs(alice)
		bad.header = map[string]string{"Content-Type": "text/plain"}
		if a := e.ask(t, bad); a.status != http.StatusBadRequest {
			t.Fatalf("an initialize that is not JSON: %d %s, want 400", a.status, a.body)
		}
	}
	a1, a2 := e.open(t, alice), e.open(t, alice)
	refused("alice's third session", e.ask(t, initializeAs(alice)), http.StatusTooManyRequests, "Too many sessions: this caller already holds 2")
	b1 := e.open(t, bob)
	refused("a fourth session", e.ask(t, initializeAs(bob)), http.StatusServiceUnavailable, "the server holds as many sessions as it may")
	if a := e.ask(t, end(alice, a2)); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	e.open(t, alice) // in a2's place

	e.stream(t, alice, a1)
	e.stream(t, alice, a1)
	refused("alice's third stream", e.ask(t, getStream(alice, a1)), http.StatusTooManyRequests, "Too many streams: this caller already has 2 open")
	e.stream(t, bob, b1)
	refused("a fourth stream", e.ask(t, getStream(bob, b1)), http.StatusServiceUnavailable, "as many streams open as it may")

	for series, want := range map[string]string{
		`mcpgen_http_caller_limited_total{limit="sessions_per_caller"}`: "1",
		`mcpgen_http_caller_limited_total{limit="sessions"}`:            "1",
		`mcpgen_http_caller_limited_total{limit="streams_per_caller"}`:  "1",
		`mcpgen_http_caller_limited_total{limit="streams"}`:             "1",
		`mcpgen_http_sessions`: "3",
		`mcpgen_http_streams`:  "3",
	} {
		if v := e.metric(t, series); v != want {
			t.Errorf("%s = %q, want %s", series, v, want)
		}
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() int64 {
	goruntime.GC()
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func openFiles(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(entries)
}

// flood sends e n requests, request(i) for i in [0, n), from workers
// goroutines, and hands each answer to check; the first error fails the
// test.
func flood(t *testing.T, e *callersEndpoint, workers, n int, request func(i int) request, check func(answer) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				a, err := e.try(request(i))
				if err == nil {
					err = check(a)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestFloodStaysBounded: one caller flooding the server with session ids
// it made up, with initializes, or with GET streams leaves it holding a
// bounded amount of memory, descriptors and goroutines.
func TestFloodStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("floods the server")
	}
	u := newUpstream(t)

	t.Run("made-up session ids", func(t *testing.T) {
		e, audited := serveCallersQuietly(t, u, callersOptions(nil))
		const n = 20000
		before := heapInUse()
		flood(t, e, 8, n, func(i int) request {
			if i%4 == 3 {
				return list(alice, forged())
			}
			return list(alice, fmt.Sprintf("mcp-session-%08x-2fa1-11d2-883f-%012x", i, i))
		}, func(a answer) error {
			if a.status != http.StatusNotFound {
				return fmt.Errorf("a made-up session id: %d %s", a.status, a.body)
			}
			return nil
		})
		grown := heapInUse() - before
		t.Logf("%d made-up session ids: heap %+d B", n, grown)
		if grown > 1<<20 {
			t.Errorf("the heap grew %d B for %d refused ids: they are being kept", grown, n)
		}
		if got := audited.n.Load(); got != n {
			t.Errorf("%d refusals audited, want %d", got, n)
		}
	})

	t.Run("initializes", func(t *testing.T) {
		e, _ := serveCallersQuietly(t, u, callersOptions(nil))
		const n = 2000
		limit := transport.DefaultCallerLimits().SessionsPerCaller
		before := heapInUse()
		var mu sync.Mutex
		opened := map[string]bool{}
		flood(t, e, 8, n, func(int) request { return initializeAs(alice) }, func(a answer) error {
			switch a.status {
			case http.StatusOK:
				mu.Lock()
				opened[a.header.Get("Mcp-Session-Id")] = true
				mu.Unlock()
			case http.StatusTooManyRequests:
			default:
				return fmt.Errorf("initialize: %d %s", a.status, a.body)
			}
			return nil
		})
		grown := heapInUse() - before
		t.Logf("%d initializes: %d sessions, heap %+d B (%d B a session)", n, len(opened), grown, grown/int64(max(1, len(opened))))
		if len(opened) != limit {
			t.Errorf("%d sessions opened, want the limit, %d", len(opened), limit)
		}
		if grown > int64(limit)*32<<10 {
			t.Errorf("the heap grew %d B for %d sessions", grown, len(opened))
		}
	})

	t.Run("GET streams", func(t *testing.T) {
		e, _ := serveCallersQuietly(t, u, callersOptions(nil))
		session := e.open(t, alice)
		const n = 2000
		limit := transport.DefaultCallerLimits().StreamsPerCaller
		files, goroutines := openFiles(t), goruntime.NumGoroutine()
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		var mu sync.Mutex
		var open []*http.Response
		defer func() {
			for _, r := range open {
				r.Body.Close()
			}
		}()
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for w := range 32 {
			wg.Go(func() {
				for i := w; i < n; i += 32 {
					resp, err := e.send(ctx, getStream(alice, session))
					if err != nil {
						errs <- err
						return
					}
					if resp.StatusCode == http.StatusOK {
						mu.Lock()
						open = append(open, resp)
						opened := len(open)
						mu.Unlock()
						if opened > limit {
							errs <- fmt.Errorf("stream %d opened; the limit is %d", opened, limit)
							return
						}
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusTooManyRequests {
						errs <- fmt.Errorf("GET stream: %d", resp.StatusCode)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		files, goroutines = openFiles(t)-files, goruntime.NumGoroutine()-goroutines
		t.Logf("%d GET streams asked for: %d open, %+d descriptors, %+d goroutines (client and server)", n, len(open), files, goroutines)
		if len(open) != limit {
			t.Errorf("%d streams open, want the limit, %d", len(open), limit)
		}
		// A connection holds a descriptor at each end, and the client
		// opens at most 96.
		if files > 2*96+16 {
			t.Errorf("%d more descriptors for %d streams", files, len(open))
		}
		if goroutines > 8*96 {
			t.Errorf("%d more goroutines for %d streams", goroutines, len(open))
		}
	})
}

// TestStdioCancellation: over stdio, where there is one client, its
// notifications/cancelled (which mcp-go's client sends when a call's
// context ends) still reaches its call, in both revisions.
func TestStdioCancellation(t *testing.T) {
	for _, version := range []string{mcp.ProtocolVersion20251125, mcp.ProtocolVersion20260728} {
		t.Run(version, func(t *testing.T) {
			u := newUpstream(t)
			srv, logs := newServer(t, serverBlock+u.source())
			s := serveStdio(t, srv, longGrace)
			c := client.NewClient(mcptransport.NewIO(s.stdout, s.stdin, nil))
			if err := c.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			initialize(t, c, version)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := c.CallTool(ctx, callRequest("wait", nil))
				done <- err
			}()
			awaitSignal(t, u.arrived, "the call reaching the upstream")
			cancel()
			awaitSignal(t, u.cancelled, "the call being cancelled")
			select {
			case err := <-done:
				if err == nil {
					t.Error("the cancelled call returned no error")
				}
			case <-time.After(waitLimit):
				t.Fatal("the cancelled call did not return")
			}
			logs.await(t, `"log":"audit"`, `"tool":"wait"`, `"error_class":"cancelled"`)
			if err := c.Close(); err != nil {
				t.Errorf("closing the client: %v", err)
			}
			s.awaitReturn(t)
		})
	}
}
