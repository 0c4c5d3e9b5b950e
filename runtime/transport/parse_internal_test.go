package transport

import (
	"encoding/json"
	"testing"
)

// TestParseMessage: what the gate reads of a body, whether the one-pass
// scan is sure of it or encoding/json reads it instead, is what
// encoding/json reads into the same fields; params that are not an object
// leave the rest read, and a body that is not a message is refused.
func TestParseMessage(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		ok      bool
		method  string
		id      string
		request string // params.requestId
	}{
		{"scanned", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get"}}`, true, "tools/call", "7", ""},
		{"cancellation", `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"r-1"}}`, true, "notifications/cancelled", "", `"r-1"`},
		{"Method in capitals", `{"jsonrpc":"2.0","id":1,"Method":"tools/list"}`, true, "tools/list", "1", ""},
		{"duplicate ids", `{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}`, true, "ping", "2", ""},
		{"escaped key", `{"jsonrpc":"2.0","id":1,"method":"x","params":{"requ\u0065stId":5}}`, true, "x", "1", "5"},
		{"params an array", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":[1]}`, true, "tools/call", "3", ""},
		{"params.requestId an object", `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":{"a":1}}}`, true, "notifications/cancelled", "", `{"a":1}`},
		{"method a number", `{"jsonrpc":"2.0","id":1,"method":7}`, false, "", "", ""},
		{"not JSON", `{"jsonrpc":"2.0",`, false, "", "", ""},
		{"an array", `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := parseMessage([]byte(tt.body))
			if ok != tt.ok {
				t.Fatalf("parsed: %t, want %t", ok, tt.ok)
			}
			if !ok {
				return
			}
			if m.Method != tt.method || string(m.ID) != tt.id || string(m.Params.RequestID) != tt.request {
				t.Errorf("method %q id %s requestId %s, want %q %s %s", m.Method, m.ID, m.Params.RequestID, tt.method, tt.id, tt.request)
			}
			// Against encoding/json into the same fields (where it can
			// read the whole body).
			var want message
			if err := json.Unmarshal([]byte(tt.body), &want); err == nil &&
				(want.Method != m.Method || string(want.ID) != string(m.ID) || string(want.Params.RequestID) != string(m.Params.RequestID)) {
				t.Errorf("encoding/json reads method %q id %s requestId %s", want.Method, want.ID, want.Params.RequestID)
			}
		})
	}
}
