package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/adapters/internal/resilience"
	"github.com/mcpgen/mcpgen/internal/lockfile"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// session is one initialized MCP session with the upstream.
type session struct {
	client  *client.Client
	started time.Time
	// dead is closed when a stdio child exits (its stderr ends); never
	// for HTTP.
	dead chan struct{}
}

// definition is one upstream tool as announced, and what is checked of it.
type definition struct {
	hash       string
	canonical  json.RawMessage
	properties map[string]any
	required   []string
}

var errClosed = errors.New("the source is closed")

// Open connects to the upstream, reads its tools and checks every declared
// tool against the one it re-exposes. An upstream that cannot be reached
// is a warning: its tools answer as unavailable, and the source keeps
// trying in the background (with backoff), so that the SQL and HTTP tools
// beside it serve. A param the upstream does not take is an error.
func (s *Source) Open(ctx context.Context, opts adapter.OpenOptions) hcl.Diagnostics {
	if s.breaker != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Source opened twice", Detail: "This is a bug in mcpgen.", Subject: s.declRange.Ptr()}}
	}
	s.log = opts.Log.With().Str("source", s.key).Logger()
	s.pins = opts.Pins
	s.breaker = resilience.NewBreaker(s.breakerAt)
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.unavail = map[string]string{}
	s.baseline = map[string]string{}
	s.drifted = map[string]bool{}
	s.reported = map[string]string{}
	s.events = opts.Upstream
	if s.oauth != nil {
		s.tokens = &tokenSource{cfg: s.oauth, client: s.httpClient(), now: s.now}
	}
	for _, t := range s.tools {
		s.unavail[t.name] = "The upstream MCP server behind this tool has not been reached yet; try again shortly."
	}

	if _, err := s.session(ctx); err != nil {
		if !opts.Check {
			s.reconnectLater()
		}
		return hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "MCP source unreachable",
			Detail:  fmt.Sprintf("mcp source %s cannot be reached now (%v); its tools answer as unavailable until it can.", s.name, err),
			Subject: s.declRange.Ptr()}}
	}
	var diags hcl.Diagnostics
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tools {
		d := s.defs[t.key()]
		if d == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown upstream " + t.noun(),
				Detail:  fmt.Sprintf("mcp source %s offers no %s named %q (it offers %s).", s.name, t.noun(), t.upstream, s.offered()),
				Subject: t.declRange.Ptr()})
			continue
		}
		for _, p := range t.compatible(d) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Param does not fit the upstream tool",
				Detail: p + ".", Subject: t.declRange.Ptr()})
		}
	}
	return diags
}

func (s *Source) offered() string {
	if len(s.defs) == 0 {
		return "none that this configuration names"
	}
	return strings.Join(sortedKeys(s.defs), ", ")
}

// session returns the live session, connecting first when there is none.
// One attempt runs at a time, on the source's context (a caller that gives
// up does not fail it for the others); after a failed one, the next waits
// for the restart backoff.
func (s *Source) session(ctx context.Context) (*session, error) {
	for {
		s.mu.Lock()
		switch {
		case s.closed:
			s.mu.Unlock()
			return nil, errClosed
		case s.sess != nil:
			sess := s.sess
			s.mu.Unlock()
			return sess, nil
		case s.connecting != nil:
			ch := s.connecting
			s.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if wait := s.retryAt.Sub(s.now()); wait > 0 {
			err := s.lastErr
			s.mu.Unlock()
			// A call that can afford to wait for the next attempt (a
			// restart in progress) waits; others fail now.
			if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) <= wait+s.timeout/2 {
				return nil, fmt.Errorf("%w (next attempt in %s)", err, wait.Round(time.Millisecond))
			}
			t := time.NewTimer(wait)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		s.connecting = ch
		s.bg.Add(1) // under mu, which Close takes before it waits
		s.mu.Unlock()
		go func() {
			defer s.bg.Done()
			s.connectNow(ch)
		}()
	}
}

// connectNow makes one connection attempt and closes done when it ends.
func (s *Source) connectNow(done chan struct{}) {
	sess, err := s.connect()
	s.mu.Lock()
	defer close(done)
	defer s.mu.Unlock()
	s.connecting = nil
	if err == nil && s.closed {
		_ = sess.client.Close()
		err = errClosed
	}
	if err != nil {
		s.failures++
		s.lastErr = err
		s.retryAt = s.now().Add(backoff(s.failures))
		s.log.Warn().Err(err).Int("failures", s.failures).Msg("cannot start a session with the upstream MCP server")
		return
	}
	s.sess = sess
	s.lastErr = nil
	s.log.Info().Msg("session with the upstream MCP server started")
}

func backoff(failures int) time.Duration {
	d := restartBackoff << min(failures-1, 20)
	return min(d, restartMaxBackoff)
}

// connect starts the transport (the subprocess, for stdio), initializes a
// session and reads the upstream's tools.
func (s *Source) connect() (*session, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	sess := &session{started: s.now()}
	var tr transport.Interface
	var afterStart func()
	if s.url != "" {
		opts := []transport.StreamableHTTPCOption{transport.WithHTTPHeaders(s.headers)}
		if s.tokens != nil {
			if _, err := s.tokens.get(ctx); err != nil {
				return nil, fmt.Errorf("oauth: %w", s.scrub(err))
			}
			opts = append(opts, transport.WithHTTPHeaderFunc(func(ctx context.Context) map[string]string {
				tok, err := s.tokens.get(ctx) // renewed shortly before it expires
				if err != nil {
					s.log.Warn().Err(s.scrub(err)).Msg("cannot renew the OAuth token; sending the last one")
					tok = s.tokens.cached()
				}
				return map[string]string{"Authorization": "Bearer " + tok}
			}))
		}
		h, err := transport.NewStreamableHTTP(s.url, append(opts,
			transport.WithHTTPBasicClient(s.cappedClient()),
			//lint:ignore SA1019 sessions are pinned to 2025-11-25, where list_changed arrives on the GET stream
			transport.WithContinuousListening())...)
		if err != nil {
			return nil, err
		}
		tr = h
	} else {
		st, dead, started, err := s.stdio()
		if err != nil {
			return nil, err
		}
		tr, sess.dead, afterStart = st, dead, started
	}
	c := client.NewClient(tr, client.WithProtocolVersion(protocolVersion))
	sess.client = c
	// The transport lives as long as the source: a stdio child would be
	// killed with the attempt's context.
	err := c.Start(s.ctx)
	if afterStart != nil {
		afterStart()
	}
	if err != nil {
		_ = c.Close()
		return nil, s.scrub(err)
	}
	c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		if n.Method == string(mcpgo.MethodNotificationToolsListChanged) || n.Method == string(mcpgo.MethodNotificationResourcesListChanged) ||
			n.Method == string(mcpgo.MethodNotificationPromptsListChanged) {
			s.relist(sess)
		}
	})
	req := mcpgo.InitializeRequest{}
	req.Params.ProtocolVersion = protocolVersion
	req.Params.ClientInfo = mcpgo.Implementation{Name: clientName, Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("initialize: %w", s.scrub(err))
	}
	list, err := s.list(ctx, c)
	if err != nil {
		_ = c.Close()
		return nil, s.scrub(err)
	}
	s.observe(list)
	// An upstream that changes a tool without telling is caught too.
	s.background(func() {
		tick := time.NewTicker(s.recheck)
		defer tick.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-tick.C:
			}
			s.mu.Lock()
			mine, other := s.sess == sess, s.sess != nil && s.sess != sess
			s.mu.Unlock()
			if other {
				return // a later session rechecks
			}
			if mine { // not yet installed, or ended: nothing to ask
				s.relist(sess)
			}
		}
	})
	if sess.dead != nil {
		s.background(func() {
			select {
			case <-sess.dead:
				s.drop(sess, errors.New("the upstream process exited"))
			case <-s.ctx.Done():
			}
		})
	}
	return sess, nil
}

func (s *Source) httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 nil, // the HCL says where requests go
		DialContext:           (&net.Dialer{Timeout: min(s.timeout, 10*time.Second), KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(s.timeout, 10*time.Second),
		ExpectContinueTimeout: time.Second,
	}}
}

// cappedClient is the MCP transport's client: the answer to a request is
// read no further than a few times max_result_bytes (with room for
// progress notifications on its stream), so that an upstream cannot make
// us buffer without end. The GET stream is long-lived and not capped.
func (s *Source) cappedClient() *http.Client {
	c := s.httpClient()
	c.Transport = cappedTransport{next: c.Transport, max: max(4*s.maxBytes, s.maxBytes+1<<20)}
	return c
}

type cappedTransport struct {
	next http.RoundTripper
	max  int64
}

func (c cappedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodPost {
		return resp, err
	}
	resp.Body = cappedBody{Reader: io.LimitReader(resp.Body, c.max), Closer: resp.Body}
	return resp, nil
}

type cappedBody struct {
	io.Reader
	io.Closer
}

// scrub takes the source's header values out of an error's text: a
// transport error may quote a request.
func (s *Source) scrub(err error) error {
	msg := err.Error()
	changed := false
	secrets := s.headers
	if s.tokens != nil {
		secrets = map[string]string{"token": s.tokens.cached(), "secret": s.oauth.clientSecret}
		for k, v := range s.headers {
			secrets[k] = v
		}
	}
	for _, v := range secrets {
		// The whole value, and each word of it (the token of "Bearer T").
		for _, secret := range append([]string{v}, strings.Fields(v)...) {
			if len(secret) >= 8 && strings.Contains(msg, secret) {
				msg, changed = strings.ReplaceAll(msg, secret, "[redacted]"), true
			}
		}
	}
	if !changed {
		return err
	}
	return errors.New(msg)
}

// stdio prepares the subprocess: its own environment (a few variables of
// ours that programs need, and env), its directory, and its stderr, which
// goes to our log line by line and whose end says the process exited.
// started must be called once the transport has started the process.
func (s *Source) stdio() (transport.Interface, chan struct{}, func(), error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, err
	}
	env := make([]string, 0, len(inheritedEnv)+len(s.env))
	for _, name := range inheritedEnv {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	env = append(env, s.env...)
	tr := transport.NewStdioWithOptions(s.command, nil, s.args,
		transport.WithCommandFunc(func(ctx context.Context, command string, _ []string, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, command, args...)
			cmd.Env, cmd.Dir, cmd.Stderr = env, s.dir, w
			return cmd, nil
		}))
	dead := make(chan struct{})
	go func() { // ends when the child does, which Close waits for
		defer close(dead)
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 1024), maxStderrLineBytes)
		for sc.Scan() {
			s.log.Info().Str("stderr", string(bytes.ToValidUTF8(sc.Bytes(), []byte("?")))).Msg("upstream MCP server")
		}
	}()
	// Our copy of the write end is closed once the child holds its own, so
	// that the read end ends when the child does.
	return tr, dead, func() { _ = w.Close() }, nil
}

// drop ends a session that failed (the upstream restarted, died or
// stopped answering); the next call starts a new one. A stdio child that
// exited is restarted in the background, with backoff.
func (s *Source) drop(sess *session, why error) {
	s.mu.Lock()
	if s.sess != sess {
		s.mu.Unlock()
		return
	}
	s.sess = nil
	if sess.dead != nil {
		if s.now().Sub(sess.started) > restartMaxBackoff {
			s.failures = 0 // it ran a good while: not a crash loop
		}
		s.failures++
		s.retryAt = s.now().Add(backoff(s.failures))
		s.lastErr = why
	}
	closed := s.closed
	s.mu.Unlock()
	if s.tokens != nil {
		s.tokens.forget() // the upstream may have refused it
	}
	s.log.Warn().Err(s.scrub(why)).Msg("session with the upstream MCP server ended")
	go func() { _ = sess.client.Close() }() // a stdio child may take a moment to exit
	if sess.dead != nil && !closed {
		s.reconnectLater()
	}
}

// reconnectLater keeps trying to start a session in the background, at
// the restart backoff, until one starts or the source closes.
func (s *Source) reconnectLater() {
	s.background(func() {
		for {
			s.mu.Lock()
			wait := s.retryAt.Sub(s.now())
			s.mu.Unlock()
			if wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-s.ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
			if _, err := s.session(s.ctx); err == nil || s.ctx.Err() != nil {
				return
			}
		}
	})
}

// background runs f on a goroutine that Close waits for, unless the
// source is closed already.
func (s *Source) background(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f()
	}()
}

// relist reads the upstream's tools again after it said they changed. It
// runs beside the transport's reader (which must go on reading to see
// the answer), one listing at a time.
func (s *Source) relist(sess *session) {
	s.background(func() {
		s.listMu.Lock()
		defer s.listMu.Unlock()
		ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
		defer cancel()
		list, err := s.list(ctx, sess.client)
		if err != nil {
			s.log.Warn().Err(s.scrub(err)).Msg("listing the upstream's definitions after list_changed failed")
			return
		}
		s.log.Info().Msg("the upstream MCP server's tools changed; checking the ones this configuration exposes")
		s.observe(list)
	})
}

// observe records the upstream's tools as listed and decides, for every
// declared tool, whether it is served: its upstream tool must be offered,
// its definition must hash as pinned (the lock file's hash, or without
// one the first read), and it must still take the declared arguments.
func (s *Source) observe(list *listing) {
	events := s.check(list)
	if s.events == nil {
		return
	}
	for _, ev := range events {
		s.events(ev)
	}
}

// check is observe under the lock; it returns the changes to report
// (reportable): the caller reports them once the lock is released.
func (s *Source) check(list *listing) []adapter.UpstreamEvent {
	wanted := map[string]bool{}
	for _, t := range s.tools {
		wanted[t.key()] = true
	}
	defs := s.resourceDefinitions(list.resources, wanted)
	s.promptDefinitions(defs, list.prompts, wanted)
	for _, tl := range list.tools {
		if !wanted[tl.Name] && !s.exposes(tl.Name) {
			continue
		}
		d, err := newDefinition(tl)
		if err != nil {
			s.log.Warn().Err(err).Str("upstream_tool", tl.Name).Msg("cannot read the upstream tool's definition")
			continue
		}
		defs[tl.Name] = d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defs = defs
	var events []adapter.UpstreamEvent
	for _, t := range s.tools {
		why := ""
		d := defs[t.key()]
		pin, pinned := s.baseline[t.key()], false
		if s.pins != nil {
			pin, pinned = s.pins[adapter.PinKey(s.key, t.key())]
		} else if d != nil && pin == "" {
			s.baseline[t.key()], pin = d.hash, d.hash
		}
		switch {
		case d == nil:
			why = fmt.Sprintf("%s is unavailable: the upstream MCP server no longer offers it.", t.label())
		case s.pins != nil && !pinned:
			why = fmt.Sprintf("%s is unavailable: its upstream definition is not in the lock file; an operator must review it and run `mcpgen lock`.", t.label())
		case d.hash != pin:
			why = fmt.Sprintf("%s is unavailable: its upstream definition changed since it was reviewed; an operator must review the change and run `mcpgen lock`.", t.label())
		default:
			if problems := t.compatible(d); len(problems) > 0 {
				why = fmt.Sprintf("The tool %q is unavailable: the upstream tool no longer takes the arguments this server sends.", t.name)
				s.log.Error().Str("tool", t.name).Strs("problems", problems).Msg("upstream tool schema no longer fits")
			}
		}
		before := s.unavail[t.name]
		s.unavail[t.name] = why
		s.drifted[t.name] = d != nil && (s.pins != nil && !pinned || d.hash != pin)
		if ev, ok := s.reportable(t, d, pin, why); ok {
			events = append(events, ev)
		}
		if why == before {
			continue
		}
		ev := s.log.Info()
		if why != "" {
			ev = s.log.Warn()
		}
		ev = ev.Str("tool", t.name).Str("upstream_tool", t.upstream)
		if d != nil {
			ev = ev.Str("hash", d.hash).Str("pinned", pin)
		}
		if d != nil && pin != "" && d.hash != pin {
			ev.Bool("drift", true).Msg("upstream tool definition drifted from the reviewed one: the tool is not served until re-locked")
		} else if why != "" {
			ev.Msg(why)
		} else {
			ev.Msg("upstream tool is served")
		}
	}
	return events
}

// reportable says whether t's state after a listing is news: refused for
// a reason (or a definition) not reported yet, or served after it was
// reported refused. A tool served since the start is not news, nor is one
// refused because the upstream cannot be reached (it is not listed then).
func (s *Source) reportable(t *Tool, d *definition, pin, why string) (adapter.UpstreamEvent, bool) {
	ev := adapter.UpstreamEvent{Source: s.key, Tool: t.name, UpstreamTool: t.upstream, Pinned: pin, Reason: why}
	if d != nil {
		ev.Hash = d.hash
	}
	last, refused := s.reported[t.name]
	if why == "" {
		delete(s.reported, t.name)
		ev.Available = true
		return ev, refused
	}
	ev.Drift = d != nil && s.drifted[t.name]
	state := why + "\x00" + ev.Hash
	s.reported[t.name] = state
	return ev, state != last
}

// unavailable says why a declared tool is not served now; "" when it is.
func (s *Source) unavailable(tool string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unavail[tool]
}

// definitionKeys are what a definition's hash covers: what the upstream
// tells a model about the tool, and what the tool takes and returns.
var definitionKeys = []string{"name", "title", "description", "inputSchema", "outputSchema", "annotations"}

func newDefinition(tl mcpgo.Tool) (*definition, error) {
	canonical, picked, err := canonicalJSON(tl, definitionKeys)
	if err != nil {
		return nil, err
	}
	d := &definition{hash: lockfile.Hash(canonical), canonical: canonical, properties: map[string]any{}}
	if in, ok := picked["inputSchema"].(map[string]any); ok {
		if props, ok := in["properties"].(map[string]any); ok {
			d.properties = props
		}
		if req, ok := in["required"].([]any); ok {
			for _, r := range req {
				if name, ok := r.(string); ok {
					d.required = append(d.required, name)
				}
			}
		}
	}
	return d, nil
}

// UpstreamDefinitions are the definitions of the upstream tools this
// configuration exposes, as last read, for `mcpgen lock`.
func (s *Source) UpstreamDefinitions() []adapter.UpstreamDefinition {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]adapter.UpstreamDefinition, 0, len(s.defs))
	for name, d := range s.defs {
		out = append(out, adapter.UpstreamDefinition{Key: adapter.PinKey(s.key, name), Hash: d.hash, Definition: d.canonical})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Ping reports whether the upstream answers a ping on the session.
func (s *Source) Ping(ctx context.Context) error {
	if s.breaker == nil {
		return errors.New("mcp source " + s.name + " is not open")
	}
	if st, _, _ := s.breaker.Snapshot(s.now()); st == resilience.Open {
		return fmt.Errorf("mcp source %s: circuit breaker open", s.name)
	}
	sess, err := s.session(ctx)
	if err != nil {
		return fmt.Errorf("mcp source %s: %w", s.name, err)
	}
	//lint:ignore SA1019 sessions are pinned to 2025-11-25, where ping is a request the upstream answers
	if err := sess.client.Ping(ctx); err != nil {
		return fmt.Errorf("mcp source %s: ping: %w", s.name, s.scrub(err))
	}
	return nil
}

// Close ends the session (stopping a stdio child) and the background work.
func (s *Source) Close() error {
	if s.stop == nil {
		return nil // never opened
	}
	s.mu.Lock()
	s.closed = true
	sess := s.sess
	s.sess = nil
	s.mu.Unlock()
	s.stop()
	var err error
	if sess != nil {
		err = sess.client.Close()
	}
	s.bg.Wait()
	return err
}

// RequiredByDefault is false: an upstream that is down fails its own tools
// (fast, behind the breaker) and the replica serves the rest.
func (s *Source) RequiredByDefault() bool { return false }

// BreakerStats reports the circuit breaker for metrics.
func (s *Source) BreakerStats() (state string, opens uint64) {
	return s.breaker.Stats(s.now())
}

// DriftedTools counts the declared tools refused now because their
// upstream definition is not the pinned one, for metrics.
func (s *Source) DriftedTools() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.drifted {
		if d {
			n++
		}
	}
	return n
}

// canonicalJSON is v's fields named by keys as canonical JSON (sorted
// keys, numbers as written), and the same decoded.
func canonicalJSON(v any, keys []string) (json.RawMessage, map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, nil, err
	}
	picked := map[string]any{}
	for _, k := range keys {
		v, ok := all[k]
		if !ok || string(v) == "null" {
			continue
		}
		var x any
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			return nil, nil, err
		}
		picked[k] = x
	}
	canonical, err := json.Marshal(picked) // maps encode with sorted keys
	if err != nil {
		return nil, nil, err
	}
	return canonical, picked, nil
}
