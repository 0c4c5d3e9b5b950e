package runtime

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// directResult is the answer DirectCall sends for a tools/call. The hooks
// see the *mcp.CallToolResult itself; only its JSON is written here, for
// the common shape (one text block, the structured content, nothing
// else), as the bytes mcp-go's CallToolResult.MarshalJSON writes, which
// builds a map and marshals it, about ten allocations. Any other shape,
// or text that encoding/json would escape beyond a quote or a backslash,
// is left to mcp-go.
type directResult struct{ r *mcp.CallToolResult }

func (d directResult) MarshalJSON() ([]byte, error) {
	r := d.r
	text, ok := plainText(r)
	if !ok {
		return r.MarshalJSON()
	}
	raw := r.RawStructuredContent
	var b bytes.Buffer
	b.Grow(len(`{"content":[{"type":"text","text":""}],"structuredContent":}`) + len(text) + len(raw) + 16)
	b.WriteString(`{"content":[{"type":"text","text":"`)
	start := 0
	for i := 0; i < len(text); i++ {
		if c := text[i]; c == '"' || c == '\\' {
			b.WriteString(text[start:i])
			b.WriteByte('\\')
			start = i // the quote or backslash itself follows
		}
	}
	b.WriteString(text[start:])
	b.WriteString(`"}],"structuredContent":`)
	// mcp-go's json.Marshal compacts the raw message; so does this.
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// plainText returns the text of r when r is the common shape and both its
// text and its raw structured content are free of what encoding/json
// escapes other than quotes and backslashes: control characters, <, >
// and & (escaped as HTML), U+2028 and U+2029, invalid UTF-8.
func plainText(r *mcp.CallToolResult) (string, bool) {
	if r.Meta != nil || r.ResultType != "" || r.IsError || len(r.InputRequests) > 0 || r.RequestState != "" ||
		len(r.RawStructuredContent) == 0 || len(r.Content) != 1 {
		return "", false
	}
	tc, ok := r.Content[0].(mcp.TextContent)
	if !ok || tc.Annotations != nil || tc.Meta != nil || tc.Type != "text" {
		return "", false
	}
	return tc.Text, plain(tc.Text, false) && plain([]byte(r.RawStructuredContent), true)
}

// plain reports whether s is free of what encoding/json escapes other
// than quotes and backslashes. JSON's whitespace may stand in raw JSON,
// which compacting removes: space says so.
func plain[T string | []byte](s T, space bool) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<', c == '>', c == '&':
			return false
		case c < 0x20:
			if !space || (c != '\t' && c != '\n' && c != '\r') {
				return false
			}
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return ascii || (utf8.ValidString(string(s)) && !hasLineSeparator(s))
}

// hasLineSeparator reports whether s holds U+2028 or U+2029, which
// encoding/json escapes.
func hasLineSeparator[T string | []byte](s T) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 0xE2 && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			return true
		}
	}
	return false
}
