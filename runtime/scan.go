package runtime

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
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
	s := scanner{b: body}
	var call struct {
		rpc, name, nameOK, task, other bool
	}
	seen := 0 // known keys seen, a bit each
	ok = s.object(func(key []byte) bool {
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
		start := s.i
		switch k {
		case keyParams:
			if s.literal("null") {
				return true
			}
			pseen := 0
			return s.object(func(key []byte) bool {
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
				start := s.i
				switch k {
				case keyName:
					if v, plain, isString := s.plainString(); isString {
						m.Call.name, call.nameOK = string(v), plain
						return true
					}
				case keyTask:
					call.task = !s.at("null")
				case keyInputResponses, keyRequestState:
					call.other = true
				}
				s.wide = false
				if !s.value(0) {
					return false
				}
				raw := body[start:s.i]
				switch k {
				case keyArguments:
					m.Call.arguments = raw
					// mcp-go fails to read the request when it
					// cannot make a map of its arguments.
					call.other = call.other || s.wide
				case keyMeta:
					m.Params.Meta = raw
					switch {
					case raw[0] == '{' && !s.wide:
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
			v, plain, isString := s.plainString()
			if !isString || !plain {
				return false
			}
			m.Method = method(v)
			return true
		}
		if !s.value(0) {
			return false
		}
		raw := body[start:s.i]
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
	if !ok || !s.end() {
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

// scanner walks JSON text, checking it as it goes, as strictly as
// encoding/json does but for what it leaves to encoding/json (false).
type scanner struct {
	b []byte
	i int
	// wide: a number read was beyond float64, which encoding/json fails
	// to decode into an any (mcp-go's map of the arguments).
	wide bool
}

// maxDepth is how deep a value the scanner reads; deeper ones are left
// to encoding/json (whose limit is 10000).
const maxDepth = 1000

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// end reports whether nothing but whitespace follows.
func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// object reads an object, calling member with each key, plain ASCII,
// when the scanner stands at its value; member reads the value.
func (s *scanner) object(member func(key []byte) bool) bool {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return false
	}
	s.i++
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return true
	}
	for {
		s.space()
		key, plain, isString := s.plainString()
		if !isString || !plain || !ascii(key) {
			return false
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.space()
		if !member(key) {
			return false
		}
		s.space()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// plainString reads a string when the scanner stands at one (isString),
// returning its content when it is plain: no escapes, valid UTF-8, so
// the same as encoding/json would decode. A string that is not plain is
// read past all the same. One that is not valid JSON ends the scan: the
// scanner is left at the end of the text, where nothing more reads.
func (s *scanner) plainString() (v []byte, plain, isString bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, false
	}
	start := s.i + 1
	plain, ok := s.str()
	if !ok {
		s.i = len(s.b)
		return nil, false, true
	}
	v = s.b[start : s.i-1]
	return v, plain && utf8.Valid(v), true
}

// str reads a string, the scanner at its opening quote; plain is false
// when it holds an escape.
func (s *scanner) str() (plain, ok bool) {
	s.i++
	plain = true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return plain, true
		case c < 0x20:
			return false, false
		case c == '\\':
			plain = false
			s.i++
			if s.i >= len(s.b) {
				return false, false
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if s.i+4 >= len(s.b) {
					return false, false
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false, false
					}
				}
				s.i += 5
			default:
				return false, false
			}
		default:
			s.i++
		}
	}
	return false, false
}

// at reports whether word (true, false, null) is next, reading nothing.
func (s *scanner) at(word string) bool {
	return len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word
}

// literal reads word (true, false, null) if the scanner stands at it.
func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// value reads any JSON value, checking it.
func (s *scanner) value(depth int) bool {
	if s.i >= len(s.b) || depth > maxDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{':
		s.i++
		s.space()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return true
		}
		for {
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return false
			}
			if _, ok := s.str(); !ok {
				return false
			}
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return false
			}
			s.i++
			s.space()
			if !s.value(depth + 1) {
				return false
			}
			s.space()
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case ',':
				s.i++
			case '}':
				s.i++
				return true
			default:
				return false
			}
		}
	case c == '[':
		s.i++
		s.space()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return true
		}
		for {
			s.space()
			if !s.value(depth + 1) {
				return false
			}
			s.space()
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case ',':
				s.i++
			case ']':
				s.i++
				return true
			default:
				return false
			}
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return false
}

// number reads a number as JSON spells it,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and notes one beyond
// float64 (wide). Without an exponent, 308 digits before the point are
// below the largest float64; others are parsed to tell.
func (s *scanner) number() bool {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	check := false
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	default:
		n := s.digits()
		if n == 0 {
			return false
		}
		check = n > 308
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return false
		}
		check = true
	}
	if check {
		s.checkRange(start)
	}
	return true
}

// checkRange notes the number from start as wide when it is beyond
// float64.
func (s *scanner) checkRange(start int) {
	if _, err := strconv.ParseFloat(string(s.b[start:s.i]), 64); err != nil {
		s.wide = true
	}
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}
