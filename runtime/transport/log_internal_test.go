package transport

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/rs/zerolog"
)

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
