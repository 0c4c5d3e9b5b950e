package runtime

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestDirectResultMatchesMCPGo: the answer DirectCall writes for a
// tools/call is, byte for byte, what mcp-go's CallToolResult.MarshalJSON
// writes, both where it writes the JSON itself and where it leaves it to
// mcp-go, and also inside the JSON-RPC response.
func TestDirectResultMatchesMCPGo(t *testing.T) {
	text := func(s string) *mcp.CallToolResult {
		return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(s)}, RawStructuredContent: []byte(s)}
	}
	withRaw := func(s, raw string) *mcp.CallToolResult {
		r := text(s)
		r.RawStructuredContent = []byte(raw)
		return r
	}
	isError := text(`{"a":1}`)
	isError.IsError = true
	meta := text(`{"a":1}`)
	meta.Meta = mcp.NewMetaFromMap(map[string]any{"k": "v"})
	two := text(`{"a":1}`)
	two.Content = append(two.Content, mcp.NewTextContent("more"))
	annotated := text(`{"a":1}`)
	annotated.Content[0] = mcp.TextContent{Type: "text", Text: `{"a":1}`, Annotated: mcp.Annotated{Annotations: &mcp.Annotations{Priority: ptrTo(0.5)}}}
	noRaw := &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(`{"a":1}`)}, StructuredContent: map[string]any{"a": 1}}

	tests := []struct {
		name string
		r    *mcp.CallToolResult
		fast bool // written here, not by mcp-go
	}{
		{"row", text(`{"id":2,"status":"paid","total_cents":200,"placed_at":"2025-01-01T00:00:00Z"}`), true},
		{"quotes and backslashes", text(`{"s":"a \"b\" \\ c\\\\"}`), true},
		{"non-ASCII", text(`{"s":"Zürich — 東京 😀"}`), true},
		{"raw with spaces", withRaw(`{"a":1}`, "{ \"a\" :\n\t1 }"), true},
		{"empty object", text(`{}`), true},
		{"HTML in the text", text(`{"s":"<b>&</b>"}`), false},
		{"HTML only in the raw", withRaw(`{"a":1}`, `{"s":"<"}`), false},
		{"control character", text("{\"s\":\"a\x01b\"}"), false},
		{"tab in the text", text("{\"s\":\"a\tb\"}"), false},
		{"line separator", text("{\"s\":\"a\u2028b\"}"), false},
		{"paragraph separator in the raw", withRaw(`{"a":1}`, "{\"s\":\"\u2029\"}"), false},
		{"invalid UTF-8", text("{\"s\":\"a\xffb\"}"), false},
		{"is error", isError, false},
		{"meta", meta, false},
		{"two blocks", two, false},
		{"annotated", annotated, false},
		{"no raw content", noRaw, false},
		{"no content", &mcp.CallToolResult{Content: []mcp.Content{}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, fast := plainText(tt.r); fast != tt.fast {
				t.Fatalf("written here: %v, want %v", fast, tt.fast)
			}
			want, wantErr := tt.r.MarshalJSON()
			got, gotErr := directResult{tt.r}.MarshalJSON()
			if !bytes.Equal(got, want) || (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("directResult:\n%s (%v)\nmcp-go:\n%s (%v)", got, gotErr, want, wantErr)
			}
			wantResp, _ := json.Marshal(mcp.NewJSONRPCResultResponse(mcp.NewRequestId(7), tt.r))
			gotResp, _ := json.Marshal(mcp.NewJSONRPCResultResponse(mcp.NewRequestId(7), directResult{tt.r}))
			if !bytes.Equal(gotResp, wantResp) {
				t.Fatalf("response:\n%s\nwant:\n%s", gotResp, wantResp)
			}
			if !tt.fast {
				return
			}
			// The whole response DirectCall answers, as a transport
			// writes it, against mcp-go's response through an encoder.
			for _, id := range directIDs {
				var want bytes.Buffer
				if err := json.NewEncoder(&want).Encode(mcp.NewJSONRPCResultResponse(mcp.NewRequestId(id), tt.r)); err != nil {
					t.Fatal(err)
				}
				a := &DirectAnswer{id: id, result: tt.r, text: tt.r.Content[0].(mcp.TextContent).Text}
				got, err := a.AppendJSON([]byte("prefix "))
				if err != nil {
					t.Fatal(err)
				}
				if got := string(got) + "\n"; got != "prefix "+want.String() {
					t.Fatalf("id %#v: AppendJSON wrote\n%s\nwant\n%s", id, got, "prefix "+want.String())
				}
				var enc bytes.Buffer
				if err := json.NewEncoder(&enc).Encode(a); err != nil || enc.String() != want.String() {
					t.Fatalf("id %#v: encoded\n%s (%v)\nwant\n%s", id, enc.String(), err, want.String())
				}
			}
		})
	}
}

// directIDs are request ids as DirectCall holds them (directID): strings,
// and integers as float64s, also those encoding/json writes otherwise.
var directIDs = []any{float64(7), float64(-3), math.Copysign(0, -1), float64(9007199254740992), 1e20, 1e21, -1e22,
	"req-1", "", `q"b\\c`, "a<b>&", "tab\there", "line\u2028sep", "bad\xffutf8", "Zürich"}

// TestDirectAnswerBadStructuredContent: raw structured content that is not
// JSON fails the answer, as it fails encoding/json.
func TestDirectAnswerBadStructuredContent(t *testing.T) {
	r := &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent("x")}, RawStructuredContent: []byte(`{"a":`)}
	if _, plain := plainText(r); !plain {
		t.Fatal("not the common shape")
	}
	if _, err := json.Marshal(mcp.NewJSONRPCResultResponse(mcp.NewRequestId(1), r)); err == nil {
		t.Fatal("encoding/json wrote it")
	}
	if out, err := (&DirectAnswer{id: float64(1), result: r, text: "x"}).AppendJSON(nil); err == nil {
		t.Fatalf("AppendJSON wrote %s", out)
	}
}

func ptrTo[T any](v T) *T { return &v }
