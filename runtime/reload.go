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

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
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

// Reload builds paths as a new generation, exactly as serve built the
// first (Build: parse, decode, compile guards, the credential policy, open
// sources, prepare statements), and swaps it in. If anything fails, the
// current generation keeps serving, every diagnostic is logged with its
// file:line:col, and the error is ErrReloadFailed. The configuration that
// was attempted is returned either way, so that a watcher knows its files.
func (s *Server) Reload(ctx context.Context, paths []string) (*cfg.Config, error) {
	s.reload.loading.Lock()
	defer s.reload.loading.Unlock()

	gen, diags := Build(ctx, paths, BuildOptions{
		Mode: BuildServe, Log: s.log, Secrets: s.opts.Secrets, Exposure: s.opts.Exposure, Verify: s.opts.Verify, Pins: s.opts.Pins,
	})
	s.logDiagnostics(diags, gen.hash)
	if diags.HasErrors() {
		s.countReload(metrics.ReloadFailed)
		cur := s.Generation()
		s.log.Error().Int("errors", len(diags.Errs())).Str("config_hash", gen.hash).
			Uint64("generation", cur.number).Str("serving_hash", cur.hash).
			Msg("reload failed: the previous generation keeps serving")
		return gen.Config, ErrReloadFailed
	}
	if err := s.install(gen); err != nil {
		_ = gen.Close()
		return gen.Config, err
	}
	return gen.Config, nil
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
	s.metrics.Reload(result)
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
