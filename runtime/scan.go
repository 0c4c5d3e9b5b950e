package runtime

import (
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/internal/jsonscan"
)

// Message is what a transport reads of a JSON-RPC message: what routes
// it, the id a cancellation names, the raw _meta that declares a
// protocol version, and, for a tools/call, what DirectMessage needs to
// run it. The transport reads it once; mcp-go's HandleMessage reads the
// whole message again when it answers.
//
// Its JSON tags are those a transport decodes it with through
// encoding/json, which fills all but Call.
type Message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	Params struct {
		RequestID json.RawMessage `json:"requestId"`
		Meta      json.RawMessage `json:"_meta"`
	} `json:"params"`
	// Call is filled by ScanMessage alone.
	Call ToolCall `json:"-"`
}

// ToolCall is what ScanMessage read of a tools/call for DirectMessage:
// the request mcp-go would build, in pieces. ok is false for anything
// else, and for a tools/call ScanMessage leaves to HandleMessage.
type ToolCall struct {
	ok        bool
	name      string
	arguments json.RawMessage // nil: none
	meta      json.RawMessage // an object; nil: none, or null
}

// ScanMessage reads body in one pass, without encoding/json, when it is
// sure to read it as encoding/json would (and so as mcp-go does): ok is
// false for anything it is unsure of, and the caller decodes the body
// with encoding/json instead. It is sure of a JSON object whose keys are
// plain ASCII (no escapes), and whose keys that encoding/json would take
// for a field (case-insensitively) are spelled exactly and not repeated,
// at the top (jsonrpc, id, method, params, result, error) and in params
// (name, arguments, _meta, task, requestId, inputResponses,
// requestState); whose method is a plain string; whose params, if any,
// are an object. Anything that is not JSON is left to encoding/json,
// which says what is wrong.
//
// The raw values in m are slices of body, not copies: body must not be
// changed while m is in use.
func ScanMessage(body []byte) (m Message, ok bool) {
	s := jsonscan.New(body)
	var call struct {
		rpc, name, nameOK, task, other bool
	}
	seen := 0 // known keys seen, a bit each
	ok = s.Object(func(key []byte) bool {
		k := topKey(key)
		if k < 0 {
			return false
		}
		if k > 0 {
			if seen&(1<<k) != 0 {
				return false // a key repeated: encoding/json keeps the last
			}
			seen |= 1 << k
		}
		start := s.Pos()
		switch k {
		case keyParams:
			if s.Literal("null") {
				return true
			}
			pseen := 0
			return s.Object(func(key []byte) bool {
				k := paramKey(key)
				if k < 0 {
					return false
				}
				if k > 0 {
					if pseen&(1<<k) != 0 {
						return false
					}
					pseen |= 1 << k
				}
				start := s.Pos()
				switch k {
				case keyName:
					if v, plain, isString := s.PlainString(); isString {
						m.Call.name, call.nameOK = string(v), plain
						return true
					}
				case keyTask:
					call.task = !s.At("null")
				case keyInputResponses, keyRequestState:
					call.other = true
				}
				if !s.Value() {
					return false
				}
				raw := body[start:s.Pos()]
				switch k {
				case keyArguments:
					m.Call.arguments = raw
					// mcp-go fails to read the request when it
					// cannot make a map of its arguments.
					call.other = call.other || s.Wide()
				case keyMeta:
					m.Params.Meta = raw
					switch {
					case raw[0] == '{' && !s.Wide():
						m.Call.meta = raw
					case raw[0] != 'n':
						call.other = true // mcp-go fails to read the request
					}
				case keyRequestID:
					m.Params.RequestID = raw
				}
				return true
			})
		case keyMethod:
			v, plain, isString := s.PlainString()
			if !isString || !plain {
				return false
			}
			m.Method = method(v)
			return true
		}
		if !s.Value() {
			return false
		}
		raw := body[start:s.Pos()]
		switch k {
		case keyJSONRPC:
			call.rpc = string(raw) == `"`+mcp.JSONRPC_VERSION+`"`
		case keyID:
			m.ID = raw
		case keyResult:
			m.Result = raw
		case keyError:
			m.Error = raw
		}
		return true
	})
	if !ok || !s.End() {
		return Message{}, false
	}
	m.Call.ok = m.Method == string(mcp.MethodToolsCall) && call.rpc && call.nameOK && !call.task && !call.other &&
		(len(m.Result) == 0 || string(m.Result) == "null")
	return m, true
}

// The keys encoding/json reads into a field: 0 for any other key, -1
// for one it would take for a field's only by folding its case.
const (
	keyJSONRPC = 1 + iota
	keyID
	keyMethod
	keyParams
	keyResult
	keyError
)

const (
	keyName = 1 + iota
	keyArguments
	keyMeta
	keyTask
	keyRequestID
	keyInputResponses
	keyRequestState
)

var (
	topKeys   = []string{"", "jsonrpc", "id", "method", "params", "result", "error"}
	paramKeys = []string{"", "name", "arguments", "_meta", "task", "requestId", "inputResponses", "requestState"}
)

func topKey(key []byte) int   { return knownKey(key, topKeys) }
func paramKey(key []byte) int { return knownKey(key, paramKeys) }

func knownKey(key []byte, keys []string) int {
	for i, k := range keys[1:] {
		if string(key) == k {
			return i + 1
		}
	}
	for _, k := range keys[1:] {
		if foldEqual(key, k) {
			return -1
		}
	}
	return 0
}

// foldEqual reports whether the ASCII key equals k but for letter case.
func foldEqual(key []byte, k string) bool {
	if len(key) != len(k) {
		return false
	}
	for i := range len(key) {
		a, b := key[i], k[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// method is the method named by v, without allocating for the common
// ones.
func method(v []byte) string {
	switch string(v) {
	case string(mcp.MethodToolsCall):
		return string(mcp.MethodToolsCall)
	case string(mcp.MethodToolsList):
		return string(mcp.MethodToolsList)
	case string(mcp.MethodInitialize):
		return string(mcp.MethodInitialize)
	case string(mcp.MethodPing):
		return string(mcp.MethodPing)
	case string(mcp.MethodNotificationCancelled):
		return string(mcp.MethodNotificationCancelled)
	case "notifications/initialized":
		return "notifications/initialized"
	}
	return string(v)
}
