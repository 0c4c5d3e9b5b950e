package runtime_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
)

// TestParseFailureAnswers: a request whose params do not decode leaves a
// clean answer for its id, which replaces mcp-go's whether the transport
// writes it as a JSON line or as a server-sent event, once; other answers
// pass untouched. The request is audited as invalid.
func TestParseFailureAnswers(t *testing.T) {
	h := serve(t, build(t, writeFiles(t, t.TempDir(), "main.hcl", `
tool "t" {
  description = "A tool."
  content "text" {
    text = "hi"
  }
}
`)...))
	for _, format := range []struct{ name, prefix, suffix string }{
		{"json", "", "\n"},
		{"event", "event: message\ndata: ", "\n\n"},
		{"event with an id", "id: 3\nevent: message\ndata: ", "\n\n"},
	} {
		t.Run(format.name, func(t *testing.T) {
			a := h.srv.NewAnswers("http", "192.0.2.1:1")
			ctx := runtime.WithAnswers(as(nil), a)
			msg := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"t","arguments":{"a":-1e400}}}`
			answer, err := json.Marshal(h.srv.MCP().HandleMessage(ctx, json.RawMessage(msg)))
			if err != nil {
				t.Fatal(err)
			}
			other := []byte(format.prefix + `{"jsonrpc":"2.0","id":8,"error":{"code":-32600,"message":"x"}}` + format.suffix)
			if got := a.Filter(other); string(got) != string(other) {
				t.Errorf("another request's answer changed: %q", got)
			}
			wire := []byte(format.prefix + string(answer) + format.suffix)
			got := string(a.Filter(wire))
			want := format.prefix + `{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Invalid params: the number -1e400 is out of range: numbers must fit a 64-bit floating point value"}}` + format.suffix
			if got != want {
				t.Errorf("answer\n%q\nwant\n%q", got, want)
			}
			if again := a.Filter(wire); string(again) != string(wire) {
				t.Errorf("the clean answer was used twice")
			}
			rec := h.last(t)
			if rec.Outcome != "invalid" || rec.ErrorClass != "parse" || rec.Tool != "t" || rec.Remote != "192.0.2.1:1" ||
				!strings.HasPrefix(rec.Reason, "tools/call: Invalid params: the number -1e400") {
				t.Errorf("audit record %+v", rec)
			}
		})
	}
}
