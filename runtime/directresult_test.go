package runtime

import (
	"bytes"
	"encoding/json"
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
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
