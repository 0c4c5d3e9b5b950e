package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestZerologLevel: slog's levels, and those between them, map to the
// zerolog level at or below them.
func TestZerologLevel(t *testing.T) {
	cases := []struct {
		in   slog.Level
		want zerolog.Level
	}{
		{slog.LevelDebug - 4, zerolog.DebugLevel},
		{slog.LevelDebug, zerolog.DebugLevel},
		{slog.LevelInfo - 1, zerolog.DebugLevel},
		{slog.LevelInfo, zerolog.InfoLevel},
		{slog.LevelInfo + 2, zerolog.InfoLevel},
		{slog.LevelWarn, zerolog.WarnLevel},
		{slog.LevelError, zerolog.ErrorLevel},
		{slog.LevelError + 4, zerolog.ErrorLevel},
	}
	for _, tc := range cases {
		if got := zerologLevel(tc.in); got != tc.want {
			t.Errorf("zerologLevel(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// record is one line of the operational log, as JSON.
func record(t *testing.T, b *bytes.Buffer) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatalf("log %q is not one JSON line: %v", b, err)
	}
	b.Reset()
	return m
}

// TestSlogHandler: a slog record reaches the zerolog logger at its level,
// with its attributes and those added with WithAttrs, unless the logger's
// level filters it out.
func TestSlogHandler(t *testing.T) {
	var b bytes.Buffer
	h := slogHandler{zerolog.New(&b).Level(zerolog.InfoLevel)}

	enabled := []struct {
		level slog.Level
		want  bool
	}{
		{slog.LevelDebug, false},
		{slog.LevelInfo, true},
		{slog.LevelWarn, true},
		{slog.LevelError, true},
	}
	for _, tc := range enabled {
		if got := h.Enabled(context.Background(), tc.level); got != tc.want {
			t.Errorf("Enabled(%v) = %v, want %v at info", tc.level, got, tc.want)
		}
	}

	logger := slog.New(h).With("component", "mcp").WithGroup("ignored")
	logger.Warn("session swept", "session", "s-1", "idle", 3)
	got := record(t, &b)
	want := map[string]any{"level": "warn", "message": "session swept", "component": "mcp", "session": "s-1", "idle": float64(3)}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v (record %v)", k, got[k], v, got)
		}
	}
	logger.Debug("chatter")
	if b.Len() != 0 {
		t.Errorf("a debug record passed an info logger: %s", b.String())
	}

	r := slog.NewRecord(time.Now(), slog.LevelError, "failed", 0)
	r.AddAttrs(slog.String("err", "boom"))
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if got := record(t, &b); got["level"] != "error" || got["err"] != "boom" || got["message"] != "failed" {
		t.Errorf("record %v, want an error with err=boom", got)
	}
}

// TestZerologWriter: what a *log.Logger writes becomes one warning,
// without its trailing newline.
func TestZerologWriter(t *testing.T) {
	var b bytes.Buffer
	w := zerologWriter{zerolog.New(&b)}
	msg := []byte("http: TLS handshake error from 192.0.2.1:5678: EOF\n")
	if n, err := w.Write(msg); n != len(msg) || err != nil {
		t.Errorf("Write = %d, %v; want %d, nil", n, err, len(msg))
	}
	if got := record(t, &b); got["level"] != "warn" || got["message"] != "http: TLS handshake error from 192.0.2.1:5678: EOF" {
		t.Errorf("record %v", got)
	}
}
