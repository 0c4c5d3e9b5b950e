// Package audit writes the audit trail: one JSON line per tools/call, who
// called what with which arguments, what came of it and how long it took.
// It is separate from the operational log, so that a reviewer can answer
// "who called cancel_order yesterday, and what happened" with jq alone.
package audit

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Outcomes of a call.
const (
	OK          = "ok"
	Denied      = "denied"
	Invalid     = "invalid"
	RateLimited = "rate_limited"
	Error       = "error"
	Timeout     = "timeout"
	// Declined is a call the user at the client declined or dismissed
	// when asked to confirm it: nothing ran.
	Declined = "declined"
	// Asked is the first call of a confirmation in protocol 2026-07-28:
	// it returned the question; the client calls again with the answer.
	Asked = "asked"
	// Summary is the outcome of a record that stands for refused requests
	// not written one by one (see Logger.Refused).
	Summary = "summary"
	// Unavailable and Available are the outcomes of a record that is no
	// call: a tool built on another MCP server stopped or started being
	// served (its definition drifted from the reviewed one, or came back).
	Unavailable = "unavailable"
	Available   = "available"
)

// Record is one tools/call.
type Record struct {
	RequestID string
	SessionID string
	TraceID   string // the OpenTelemetry trace, when tracing is on
	Transport string
	Remote    string // the client's address, for requests refused before any tool ran
	Subject   string
	Tool      string
	Args      map[string]any // sensitive params already redacted
	// Answers are the values the user supplied when asked (ask blocks),
	// sensitive ones already redacted.
	Answers    map[string]any
	Binds      map[string]any
	Outcome    string
	ErrorClass string // for outcomes other than ok: what kind of failure
	Reason     string // why a request was refused (never a credential)
	Rows       int
	Bytes      int // of the result's text
	Duration   time.Duration
	// For tools on remote services (HTTP): the upstream's last status
	// (0 when it never answered) and the attempts made; 0 attempts means
	// no remote call and omits both.
	UpstreamStatus int
	Attempts       int
	// Cached is set when the result came from the tool's cache.
	Cached bool
}

// Logger writes records to a sink. It is safe for concurrent use.
type Logger struct {
	log     zerolog.Logger
	sink    io.Closer
	discard bool
	refused *refusals
}

// New writes records to w. Closing the Logger closes w if it is an
// io.Closer other than stderr.
func New(w io.Writer) *Logger {
	l := &Logger{log: zerolog.New(w)}
	l.refused = newRefusals(l, time.Now)
	if c, ok := w.(io.Closer); ok && w != os.Stderr {
		l.sink = c
	}
	return l
}

// Discard drops every record (tests, benchmarks of other things).
func Discard() *Logger { return &Logger{log: zerolog.Nop(), discard: true} }

// Write records one call, within the limits on a record's size (see
// MaxArgsBytes and MaxFieldBytes): whatever a caller sends, the line stays
// one whole JSON object of bounded size.
func (l *Logger) Write(r *Record) {
	if l.discard {
		return
	}
	var cut truncation
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 { // a rare huge record's buffer is not kept
			bufPool.Put(bp)
		}
	}()
	var now [len(time.RFC3339Nano) + 8]byte
	ev := l.log.Log().
		Str("log", "audit"). // tells audit lines from log lines on a shared stderr
		Bytes("time", time.Now().UTC().AppendFormat(now[:0], time.RFC3339Nano)).
		Str("request_id", cut.str("request_id", r.RequestID)).
		Str("session_id", cut.str("session_id", r.SessionID)).
		Str("transport", cut.str("transport", r.Transport)).
		Str("subject", cut.str("subject", r.Subject)).
		Str("tool", cut.str("tool", r.Tool)).
		RawJSON("args", cut.object("args", r.Args, bp)).
		Str("outcome", cut.str("outcome", r.Outcome)).
		Int("rows", r.Rows).
		Int("bytes", r.Bytes).
		Float64("duration_ms", float64(r.Duration.Microseconds())/1000)
	if len(r.Binds) > 0 {
		ev = ev.RawJSON("binds", cut.object("binds", r.Binds, bp))
	}
	if len(r.Answers) > 0 {
		ev = ev.RawJSON("answers", cut.object("answers", r.Answers, bp))
	}
	if r.ErrorClass != "" {
		ev = ev.Str("error_class", cut.str("error_class", r.ErrorClass))
	}
	if r.Reason != "" {
		ev = ev.Str("reason", cut.str("reason", r.Reason))
	}
	if r.Remote != "" {
		ev = ev.Str("remote", cut.str("remote", r.Remote))
	}
	if r.Attempts > 0 {
		ev = ev.Int("upstream_status", r.UpstreamStatus).Int("attempts", r.Attempts)
	}
	if r.Cached {
		ev = ev.Bool("cached", true)
	}
	if r.TraceID != "" {
		ev = ev.Str("trace_id", cut.str("trace_id", r.TraceID))
	}
	cut.mark(ev).Send()
}

// Close writes the summaries of refused requests still being counted,
// then flushes and closes the sink.
func (l *Logger) Close() error {
	if l.refused != nil {
		l.refused.close()
	}
	if l.sink == nil {
		return nil
	}
	return l.sink.Close()
}

// FileOptions configure a file sink.
type FileOptions struct {
	Path     string
	Fsync    string // "always", "interval" or "never"
	MaxSize  int64  // rotate before a write would pass it
	MaxFiles int    // rotated files kept: Path.1 (newest) to Path.MaxFiles
}

// File is an append-only audit file with size-based rotation. Each record
// is written with one write call, so a crash cuts at most the last line.
type File struct {
	opts FileOptions

	mu    sync.Mutex
	f     *os.File
	size  int64
	dirty bool
	stop  chan struct{}
	done  chan struct{}

	// every and sync are the "interval" policy's period and its fsync,
	// which a test makes slow.
	every time.Duration
	sync  func(*os.File) error
}

// OpenFile opens (creating, appending) the audit file.
func OpenFile(opts FileOptions) (*File, error) {
	return openFile(opts, time.Second, (*os.File).Sync)
}

func openFile(opts FileOptions, every time.Duration, sync func(*os.File) error) (*File, error) {
	f, size, err := openAppend(opts.Path)
	if err != nil {
		return nil, err
	}
	a := &File{opts: opts, f: f, size: size, stop: make(chan struct{}), done: make(chan struct{}), every: every, sync: sync}
	go a.syncLoop()
	return a, nil
}

func openAppend(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("audit file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("audit file: %w", err)
	}
	return f, st.Size(), nil
}

// Write appends one record.
func (a *File) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return 0, os.ErrClosed
	}
	if a.size > 0 && a.size+int64(len(p)) > a.opts.MaxSize {
		if err := a.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := a.f.Write(p)
	a.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("audit file: %w", err)
	}
	if a.opts.Fsync == "always" {
		return n, a.f.Sync()
	}
	a.dirty = true
	return n, nil
}

// rotate shifts path.N-1 to path.N ... path to path.1, dropping the oldest,
// and starts a new file.
func (a *File) rotate() error {
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	p := a.opts.Path
	_ = os.Remove(fmt.Sprintf("%s.%d", p, a.opts.MaxFiles))
	for i := a.opts.MaxFiles - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", p, i), fmt.Sprintf("%s.%d", p, i+1))
	}
	if err := os.Rename(p, p+".1"); err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	f, size, err := openAppend(p)
	if err != nil {
		a.f = nil
		return err
	}
	a.f, a.size, a.dirty = f, size, false
	return nil
}

// syncLoop makes "interval" mean: at most a second of records at risk.
func (a *File) syncLoop() {
	defer close(a.done)
	if a.opts.Fsync != "interval" {
		<-a.stop
		return
	}
	t := time.NewTicker(a.every)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			// Sync outside the lock: an fsync can take milliseconds, and
			// every call writing its record would wait them out. What is
			// written while it runs marks the file dirty again, for the
			// next tick. A rotation meanwhile syncs the old file itself;
			// syncing it here too (or failing on it once closed) is
			// harmless.
			a.mu.Lock()
			f := a.f
			dirty := a.dirty && f != nil
			a.dirty = false
			a.mu.Unlock()
			if dirty {
				_ = a.sync(f)
			}
		}
	}
}

// Close syncs and closes the file.
func (a *File) Close() error {
	close(a.stop)
	<-a.done
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return nil
	}
	err := a.f.Sync()
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	a.f = nil
	return err
}
