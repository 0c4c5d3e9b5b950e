package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// Hot reload: a new generation is built and opened beside the current one,
// then swapped in whole. Every request (a tool call, a resource read, a
// prompt, a completion) holds the generation that was current when it
// arrived; a retired generation's sources close when the last of them
// returns.

// reloadState serializes swaps and remembers what only a restart applies.
type reloadState struct {
	loading sync.Mutex // one Reload at a time, from load to swap
	mu      sync.Mutex // guards serial, closed and the swap itself
	serial  uint64     // the last generation number given out
	closed  bool
	// first is the configuration the server started with: its server and
	// audit blocks stay in effect until a restart.
	first *cfg.Config
	// retiring counts generations swapped out whose sources are not
	// closed yet.
	retiring sync.WaitGroup
}

// ErrReloadFailed is returned by Reload when the new configuration has
// errors; the diagnostics are in the log and the old generation serves on.
var ErrReloadFailed = errors.New("the configuration has errors; the previous one keeps serving")

// errServerClosed refuses reloads and requests after Close.
var errServerClosed = errors.New("the server is shutting down; try again shortly")

// Number is the generation's number: 1 for the configuration the server
// started with, one more for every successful reload. 0 until served.
func (g *Generation) Number() uint64 { return g.number }

// Hash is the configuration's hash (see ConfigHash); empty until served.
func (g *Generation) Hash() string { return g.hash }

// ConfigHash is the hex SHA-256 over every file the configuration was read
// from: the .hcl files and those file() read, sorted by name, each as its
// name, a zero byte, its length (8 bytes, big-endian) and its bytes. Equal
// files give equal hashes whatever order they were named in.
func ConfigHash(conf *cfg.Config) string {
	files := conf.Reads.Files()
	if files == nil {
		files = map[string][]byte{}
	}
	for name, b := range conf.Files {
		files[name] = b
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	var n [8]byte
	for _, name := range names {
		h.Write([]byte(name))
		h.Write([]byte{0})
		binary.BigEndian.PutUint64(n[:], uint64(len(files[name])))
		h.Write(n[:])
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Reload loads paths as a new generation (parse, decode, compile guards,
// open sources, prepare statements) and swaps it in. If anything fails, the
// current generation keeps serving, every diagnostic is logged with its
// file:line:col, and the error is ErrReloadFailed. The configuration that
// was attempted is returned either way, so that a watcher knows its files.
func (s *Server) Reload(ctx context.Context, paths []string) (*cfg.Config, error) {
	s.reload.loading.Lock()
	defer s.reload.loading.Unlock()

	conf, diags := cfg.Load(paths)
	gen, more := Check(conf)
	diags = append(diags, more...)
	if !diags.HasErrors() { // a broken file may have lost its auth block
		diags = append(diags, s.keepsCredentials(conf)...)
	}
	// env() values read by this configuration are redacted like the
	// first one's, in the diagnostics below too.
	s.reload.first.Secrets.AddAll(conf.Secrets)
	if !diags.HasErrors() {
		diags = append(diags, gen.Open(ctx, adapter.OpenOptions{Log: s.log})...)
	}
	hash := ConfigHash(conf)
	gen.hash = hash // swap would hash the files again
	s.logDiagnostics(diags, hash)
	if diags.HasErrors() {
		// What was built goes with it: opened pools, a Redis client.
		if err := gen.Close(); err != nil {
			s.log.Warn().Err(err).Msg("reload: closing the rejected generation's sources")
		}
		s.countReload(metrics.ReloadFailed)
		cur := s.Generation()
		s.log.Error().Int("errors", len(diags.Errs())).Str("config_hash", hash).
			Uint64("generation", cur.number).Str("serving_hash", cur.hash).
			Msg("reload failed: the previous generation keeps serving")
		return conf, ErrReloadFailed
	}
	if err := s.install(gen); err != nil {
		_ = gen.Close()
		return conf, err
	}
	return conf, nil
}

// keepsCredentials refuses a configuration that would leave a server
// listening beyond loopback open to anyone: a reload must not do what
// serve refuses at start. With --insecure-no-auth it is let through, with
// the same loud warning as at start.
func (s *Server) keepsCredentials(conf *cfg.Config) hcl.Diagnostics {
	if !s.opts.ExposedHTTP || conf.Auth.HTTPCredentials() {
		return nil
	}
	if s.opts.InsecureNoAuth {
		s.log.Warn().Msg(strings.Repeat("!", 12) + " the reloaded configuration has no HTTP credentials and the server listens " +
			"beyond loopback WITHOUT AUTHENTICATION: anyone who can reach it can call every tool (--insecure-no-auth). " + strings.Repeat("!", 12))
		return nil
	}
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Authentication removed",
		Detail: "The server listens on a non-loopback address; " +
			"this configuration has no jwt block and no api_key blocks, so anyone who reaches the port could call every tool. " +
			"Restore them, or restart the server with --insecure-no-auth if a trusted network protects the port.",
	}
	switch {
	case conf.Auth != nil:
		d.Subject = rangePtr(conf.Auth.DeclRange)
	case conf.Server != nil && conf.Server.DeclRange.Filename != "":
		d.Subject = rangePtr(conf.Server.DeclRange)
	}
	return hcl.Diagnostics{d}
}

// logDiagnostics logs one line per diagnostic, as `mcpgen validate` would
// print it.
func (s *Server) logDiagnostics(diags hcl.Diagnostics, hash string) {
	var buf bytes.Buffer
	cfg.WriteDiagnostics(&buf, diags)
	for line := range strings.Lines(buf.String()) {
		line = strings.TrimSuffix(line, "\n")
		ev := s.log.Error()
		if strings.Contains(line, ": warning: ") || strings.HasPrefix(line, "warning: ") {
			ev = s.log.Warn()
		}
		ev.Str("config_hash", hash).Msg("reload: " + line)
	}
}

func (s *Server) countReload(result string) {
	if s.metrics != nil {
		s.metrics.Reload(result)
	}
}

// install makes next, an opened generation, current. New calls run on next;
// calls already running finish on the generation they started on, whose
// sources close once the last of them has returned.
func (s *Server) install(next *Generation) error {
	s.reload.mu.Lock()
	defer s.reload.mu.Unlock()
	if s.reload.closed {
		return errServerClosed
	}
	s.warnRestart(next.Config)
	// Callers keep their rate limit buckets, and tokens their keys.
	next.inheritLimits(s.gen.Load())
	next.inheritAuthn(s.gen.Load())
	old := s.swap(next)
	s.countReload(metrics.ReloadOK)
	added, removed := toolDiff(old, next)
	s.log.Info().Uint64("generation", next.number).Str("config_hash", next.hash).
		Uint64("previous", old.number).Int("tools", len(next.tools)).
		Strs("added", added).Strs("removed", removed).
		Msg("configuration reloaded")
	s.retire(old)
	return nil
}

// closeWait bounds how long Close waits for calls still running on
// retired generations: one that ignores cancellation must not keep the
// process from exiting.
const closeWait = 10 * time.Second

// Close retires the current generation and waits until every retired one
// has closed its sources, or closeWait has passed. Call it once the
// transports have stopped.
func (s *Server) Close() {
	s.reload.mu.Lock()
	if !s.reload.closed {
		s.reload.closed = true
		s.retire(s.gen.Load())
	}
	s.reload.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.reload.retiring.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
		s.log.Error().Dur("waited", closeWait).
			Msg("calls still running at exit; their generation's sources were not closed")
	}
}

// retire drops the server's hold on g: its sources close when no call
// holds it any more.
func (s *Server) retire(g *Generation) {
	s.reload.retiring.Add(1)
	if n := g.refs.Add(-1); n > 0 {
		s.log.Info().Uint64("generation", g.number).Int64("in_flight", n).
			Msg("generation retired: its sources close when its calls in flight return")
		return
	}
	go s.closeGeneration(g)
}

// enter holds the current generation for one request, which runs on it to
// the end even if a reload swaps another in meanwhile, and counts the
// request in flight (Server.Wait); release ends both. A stdio caller gets
// the generation's stdio principal in the returned context. It fails once
// the server is shutting down.
func (s *Server) enter(ctx context.Context) (context.Context, *Generation, error) {
	s.draining.RLock()
	defer s.draining.RUnlock()
	if s.drained {
		return ctx, nil, errServerClosed
	}
	gen, ok := s.hold()
	if !ok {
		return ctx, nil, errServerClosed
	}
	s.inflight.Add(1)
	return gen.caller(ctx), gen, nil
}

func (s *Server) release(g *Generation) {
	s.inflight.Done()
	s.drop(g)
}

// hold holds the current generation for a reader that must not find its
// sources closed under it (readiness, metrics, authentication); drop lets
// it go. It fails only once the server is closed.
func (s *Server) hold() (*Generation, bool) {
	for {
		cur := s.gen.Load()
		if cur.acquire() {
			return cur, true
		}
		// Drained: either swapped out a moment ago (take the new one) or
		// retired by Close.
		if s.gen.Load() == cur {
			return nil, false
		}
	}
}

func (s *Server) drop(g *Generation) {
	if g.refs.Add(-1) == 0 {
		// Not on the caller's goroutine: that is a request whose answer
		// should not wait for a pool to close.
		go s.closeGeneration(g)
	}
}

// acquire holds g for one request. It fails once g has drained, when its
// sources are closing or closed.
func (g *Generation) acquire() bool {
	for {
		n := g.refs.Load()
		if n <= 0 {
			return false
		}
		if g.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (s *Server) closeGeneration(g *Generation) {
	defer s.reload.retiring.Done()
	if err := g.Close(); err != nil {
		s.log.Error().Err(err).Uint64("generation", g.number).Msg("closing sources")
		return
	}
	s.log.Info().Uint64("generation", g.number).Str("config_hash", g.hash).
		Msg("generation drained: its sources are closed")
}

// toolDiff names the tools next adds to old and those it removes.
func toolDiff(old, next *Generation) (added, removed []string) {
	added, removed = []string{}, []string{}
	for _, t := range next.tools {
		if old.byName[t.decl.Name] == nil {
			added = append(added, t.decl.Name)
		}
	}
	for _, t := range old.tools {
		if next.byName[t.decl.Name] == nil {
			removed = append(removed, t.decl.Name)
		}
	}
	return added, removed
}

// warnRestart names the settings next changes that only a restart applies:
// the server block is sent to clients at initialize, and the audit trail's
// sink stays open for the process's life.
func (s *Server) warnRestart(next *cfg.Config) {
	first := s.reload.first
	var changed []string
	a, b := first.Server, next.Server
	x, y := first.Audit, next.Audit
	for _, f := range []struct {
		name string
		diff bool
	}{
		{"server.name", a.Name != b.Name},
		{"server.version", a.Version != b.Version},
		{"server.instructions", a.Instructions != b.Instructions},
		{"server.page_size", a.PageSize != b.PageSize},
		{"audit.sink", x.Sink != y.Sink},
		{"audit.path", x.Path != y.Path},
		{"audit.fsync", x.Fsync != y.Fsync},
		{"audit.max_size", x.MaxSize != y.MaxSize},
		{"audit.max_files", x.MaxFiles != y.MaxFiles},
	} {
		if f.diff {
			changed = append(changed, f.name)
		}
	}
	if len(changed) > 0 {
		s.log.Warn().Strs("needs_restart", changed).
			Msg("reload: these settings changed but only take effect after a restart; the rest of the configuration is live")
	}
}
