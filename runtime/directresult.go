package runtime

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
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
	b := make([]byte, 0, len(`{"content":[{"type":"text","text":""}],"structuredContent":}`)+len(text)+len(r.RawStructuredContent)+16)
	return appendResult(b, text, r.RawStructuredContent)
}

// appendResult appends the JSON of a result of the common shape: text,
// plain (plainText), and raw, its structured content.
func appendResult(b []byte, text string, raw json.RawMessage) ([]byte, error) {
	b = append(b, `{"content":[{"type":"text","text":`...)
	b = appendQuoted(b, text)
	b = append(b, `}],"structuredContent":`...)
	// mcp-go's json.Marshal compacts the raw message; so does this.
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return nil, err
	}
	return append(buf.Bytes(), '}'), nil
}

// appendQuoted appends s as a JSON string, s plain: only its quotes and
// backslashes are escaped, as encoding/json escapes them.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, s[start:i]...)
			b = append(b, '\\')
			start = i // the quote or backslash itself follows
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// DirectAnswer is DirectCall's answer to a tools/call whose result has the
// common shape (directResult): the whole JSON-RPC response, which a
// transport appends to its own buffer (AppendJSON) without encoding/json.
// It writes the same bytes as mcp-go's JSONRPCResponse of the result,
// encoded by a json.Encoder (HTML escaped); MarshalJSON gives them to
// whoever encodes it as any other message.
type DirectAnswer struct {
	id     any // a string or a float64 (directID)
	result *mcp.CallToolResult
	text   string // the result's text, plain
}

// Result is the tool's result, as the hooks saw it.
func (a *DirectAnswer) Result() *mcp.CallToolResult { return a.result }

// AppendJSON appends the response's JSON to b, without a newline; it fails
// only when the result's raw structured content is not JSON.
func (a *DirectAnswer) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = appendID(b, a.id)
	b = append(b, `,"result":`...)
	b, err := appendResult(b, a.text, a.result.RawStructuredContent)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func (a *DirectAnswer) MarshalJSON() ([]byte, error) { return a.AppendJSON(nil) }

// appendID appends a request id as encoding/json writes it: a plain
// string quoted, an integer's float64 in full (below 1e21, where
// encoding/json turns to exponents); anything else through encoding/json
// itself.
func appendID(b []byte, id any) []byte {
	switch v := id.(type) {
	case string:
		if plain(v, false) {
			return appendQuoted(b, v)
		}
	case float64:
		if math.Abs(v) < 1e21 {
			return strconv.AppendFloat(b, v, 'f', -1, 64)
		}
	}
	out, _ := json.Marshal(id) // a string or a float64: cannot fail
	return append(b, out...)
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
