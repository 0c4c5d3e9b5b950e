package transport

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestSetWriteDeadline: the gate's write deadline reaches the connection,
// whether net/http's own response writer sets it or a writer wrapping it
// (which ResponseController unwraps) does: a response written past it
// fails. A deadline ahead lets it through.
func TestSetWriteDeadline(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 4<<20) // past every buffer on the way
	tests := []struct {
		name    string
		wrap    bool
		ahead   bool
		wantErr bool
	}{
		{"net/http's writer, passed", false, false, true},
		{"a wrapped writer, passed", true, false, true},
		{"net/http's writer, ahead", false, true, false},
		{"a wrapped writer, ahead", true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			written := make(chan error, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.wrap {
					w = wrappedWriter{w}
				}
				deadline := time.Now().Add(-time.Second)
				if tt.ahead {
					deadline = time.Now().Add(time.Hour)
				}
				setWriteDeadline(w, deadline)
				_, err := w.Write(big)
				written <- err
			}))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if err := <-written; (err != nil) != tt.wantErr {
				t.Errorf("writing the response: %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}

// wrappedWriter hides net/http's writer behind one of its own, as
// middleware does; Unwrap lets ResponseController reach it.
type wrappedWriter struct{ http.ResponseWriter }

func (w wrappedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
