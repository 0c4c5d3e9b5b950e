package runtime

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// scanCorpus is messages ScanMessage reads, or leaves to encoding/json:
// well-formed, odd, and not JSON at all.
var scanCorpus = []string{
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`,
	`{"params":{"arguments":{"k":"a"},"name":"get"},"method":"tools/call","id":"x","jsonrpc":"2.0"}`,
	" {\n\"jsonrpc\" : \"2.0\" , \"id\" : -0.5e-3 , \"method\" : \"tools/call\" , \"params\" : { \"name\" : \"get\" } }\r\n",
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","arguments":null,"_meta":null,"task":null}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","arguments":[1,2,{"a":[]}],"_meta":{"progressToken":"p"}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","task":{"ttl":1}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","arguments":{"n":1e400}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","arguments":{"n":[-1.8E+308]}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","arguments":{"n":1e-400,"m":1.7976931348623157e308}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","arguments":{"n":1` + strings.Repeat("0", 308) + `}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","arguments":{"n":1` + strings.Repeat("0", 309) + `.5}}}`,
	`{"jsonrpc":"2.0","id":1e400,"method":"tools/call","params":{"name":"get","_meta":{"n":1e400}},"x":1e400}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","_meta":5}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","requestState":"s"}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"g\u0065t"}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1]}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"x"}`,
	`{"jsonrpc":"2.0","id":1,"method":7}`,
	`{"jsonrpc":"2.0","id":1,"method":null}`,
	`{"jsonrpc":2,"id":1,"method":"tools/call","params":{"name":"get"}}`,
	`{"jsonrpc":"2.0","id":1,"Method":"tools/call","params":{"name":"get"}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"Name":"get"}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list"}`,
	`{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"},"params":{"arguments":{}}}`,
	`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"r-1","reason":"x"}}`,
	`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"requestId":8}}`,
	`{"jsonrpc":"2.0","id":3,"result":{"action":"accept"}}`,
	`{"jsonrpc":"2.0","id":3,"result":null,"error":null}`,
	`{"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"no"}}`,
	`{"jsonrpc":"2.0","id":null,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
	`{"jsonrpc":"2.0","id":1,"method":"x","param\u017f":{}}`,
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"param\u017f\":{}}",
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"caf\xe9\"}",
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"café\"}",
	`{"a":"\0","b":1}`,
	`{"params":{"name":"\0,"x":1}}`,
	`{"id":01}`, `{"id":-}`, `{"id":1.}`, `{"id":1e}`, `{"id":.5}`, `{"id":+1}`, `{"id":1E+2}`,
	`{"id":tru}`, `{"id":nul}`, `{"id":[1,]}`, `{"id":{"a":1,}}`, `{"id":{"a"}}`, `{"id":"\u12"}`, `{"id":"\uZZZZ"}`,
	`{"id":1}x`, `{"id":1}{}`, `[]`, `"x"`, `null`, ``, `{`, `{"id":1`, `{"id"`, `{"id":`, `{,}`, `{}`,
	"\xef\xbb\xbf{}", "{\"id\":\"a\tb\"}", `{"id":"` + strings.Repeat("[", 10) + `"}`,
	`{"x":` + strings.Repeat("[", 1100) + strings.Repeat("]", 1100) + `}`,
	`{"x":` + strings.Repeat("[", 999) + strings.Repeat("]", 999) + `}`,
}

// TestScanMessageAgreesWithEncodingJSON: whatever ScanMessage is sure of,
// encoding/json reads alike, and mcp-go reads the tools/call alike.
func TestScanMessageAgreesWithEncodingJSON(t *testing.T) {
	sure := 0
	for _, body := range scanCorpus {
		if checkScan(t, []byte(body)) {
			sure++
		}
	}
	if sure < 20 {
		t.Errorf("ScanMessage was sure of %d messages of the corpus, want at least 20", sure)
	}
	// It reads what it should be sure of.
	for _, body := range scanCorpus[:5] {
		if m, ok := ScanMessage([]byte(body)); !ok || !m.Call.ok {
			t.Errorf("ScanMessage left %s", body)
		}
	}
}

func FuzzScanMessage(f *testing.F) {
	for _, body := range scanCorpus {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkScan(t, body) })
}

// checkScan checks what ScanMessage read of body against encoding/json
// and mcp-go, and reports whether it was sure.
func checkScan(t *testing.T, body []byte) bool {
	t.Helper()
	got, sure := ScanMessage(body)
	if !sure {
		return false
	}
	var want Message
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("ScanMessage read %q, which encoding/json cannot: %v", body, err)
	}
	same := func(what string, a, b []byte) {
		if !bytes.Equal(a, b) || (a == nil) != (b == nil) {
			t.Errorf("%q: %s %q, encoding/json %q", body, what, a, b)
		}
	}
	same("id", got.ID, want.ID)
	same("result", got.Result, want.Result)
	same("error", got.Error, want.Error)
	same("params.requestId", got.Params.RequestID, want.Params.RequestID)
	same("params._meta", got.Params.Meta, want.Params.Meta)
	if got.Method != want.Method {
		t.Errorf("%q: method %q, encoding/json %q", body, got.Method, want.Method)
	}
	if !got.Call.ok {
		return true
	}
	// A tools/call for DirectMessage: the request mcp-go builds.
	var env struct {
		JSONRPC string `json:"jsonrpc"`
		Result  any    `json:"result"`
	}
	var req mcp.CallToolRequest
	if err := json.Unmarshal(body, &env); err != nil || env.JSONRPC != mcp.JSONRPC_VERSION || env.Result != nil {
		t.Fatalf("%q: a tools/call for DirectMessage, but mcp-go reads jsonrpc %q, result %v (%v)", body, env.JSONRPC, env.Result, err)
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("%q: a tools/call for DirectMessage, which mcp-go cannot read: %v", body, err)
	}
	if req.Method != string(mcp.MethodToolsCall) || req.Params.Name != got.Call.name || req.Params.Task != nil ||
		req.Params.RequestState != "" || req.Params.InputResponses != nil {
		t.Errorf("%q: mcp-go reads %+v, ScanMessage %+v", body, req.Params, got.Call)
	}
	same("arguments", got.Call.arguments, req.Params.RawArguments)
	if (got.Call.meta == nil) != (req.Params.Meta == nil) {
		t.Errorf("%q: _meta %q, mcp-go %+v", body, got.Call.meta, req.Params.Meta)
	}
	return true
}

// BenchmarkScanMessage: one pass over a tools/call, against encoding/json
// reading the same envelope.
func BenchmarkScanMessage(b *testing.B) {
	body := []byte(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_order","arguments":{"order_id":42}}}`)
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := ScanMessage(body); !ok {
				b.Fatal("not sure")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m Message
			if err := json.Unmarshal(body, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
