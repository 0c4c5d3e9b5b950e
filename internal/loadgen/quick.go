package loadgen

import (
	"bytes"
	"strconv"
)

// plainlyGood reports whether raw is, plainly, a good answer to id: one
// pass over it, without decoding or allocating, in place of the two of
// encoding/json. It says yes only when checkDecoded would find no fault:
// valid JSON, an object whose "id" is id, a "result" object whose
// "isError" is absent or false, no "error" or "method", and expect
// (if any) in raw as it is. Anything less plain (a key that is any of
// these but for case or escapes, one of them twice, a deep nesting)
// gets a no, and checkDecoded the last word.
func plainlyGood(raw []byte, id int64, expect []byte) bool {
	if len(expect) > 0 && !bytes.Contains(raw, expect) {
		return false
	}
	var num [20]byte
	s := jsonScan{b: raw}
	s.space()
	if !s.byte('{') {
		return false
	}
	sawID, sawResult := false, false
	for {
		s.space()
		key, ok := s.key()
		if !ok || !s.colon() {
			return false
		}
		switch string(key) {
		case "id":
			start := s.i
			if sawID || !s.value(0) || !bytes.Equal(raw[start:s.i], strconv.AppendInt(num[:0], id, 10)) {
				return false
			}
			sawID = true
		case "result":
			if sawResult || !s.result() {
				return false
			}
			sawResult = true
		default:
			if like(key, "id", "result", "error", "method") || !s.value(0) {
				return false
			}
		}
		s.space()
		if s.byte('}') {
			break
		}
		if !s.byte(',') {
			return false
		}
	}
	s.space()
	return s.i == len(raw) && sawID && sawResult
}

// like reports whether key could stand for one of names as encoding/json
// matches keys to fields: case aside, and any key outside ASCII to be safe.
func like(key []byte, names ...string) bool {
	for _, c := range key {
		if c >= 0x80 {
			return true
		}
	}
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return true
		}
	}
	return false
}

// jsonScan walks JSON text, checking it as encoding/json's scanner does.
type jsonScan struct {
	b []byte
	i int
}

// maxDepth bounds the nesting plainlyGood walks; deeper is no longer plain.
const maxDepth = 100

func (s *jsonScan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScan) byte(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *jsonScan) colon() bool {
	s.space()
	ok := s.byte(':')
	s.space()
	return ok
}

// key reads an object key; one with escapes is not plain.
func (s *jsonScan) key() ([]byte, bool) {
	start := s.i + 1
	escaped, ok := s.str()
	if !ok || escaped {
		return nil, false
	}
	return s.b[start : s.i-1], true
}

// result reads the result object, whose "isError" must be false if there.
func (s *jsonScan) result() bool {
	if !s.byte('{') {
		return false
	}
	s.space()
	if s.byte('}') {
		return true
	}
	sawIsError := false
	for {
		s.space()
		key, ok := s.key()
		if !ok || !s.colon() {
			return false
		}
		switch {
		case string(key) == "isError":
			if sawIsError || !bytes.HasPrefix(s.b[s.i:], []byte("false")) {
				return false
			}
			s.i += len("false")
			sawIsError = true
		case like(key, "isError") || !s.value(1):
			return false
		}
		s.space()
		if s.byte('}') {
			return true
		}
		if !s.byte(',') {
			return false
		}
	}
}

// value reads one JSON value of any kind.
func (s *jsonScan) value(depth int) bool {
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
		if s.byte('}') {
			return true
		}
		for {
			s.space()
			if _, ok := s.str(); !ok || !s.colon() || !s.value(depth+1) {
				return false
			}
			s.space()
			if s.byte('}') {
				return true
			}
			if !s.byte(',') {
				return false
			}
		}
	case c == '[':
		s.i++
		s.space()
		if s.byte(']') {
			return true
		}
		for {
			s.space()
			if !s.value(depth + 1) {
				return false
			}
			s.space()
			if s.byte(']') {
				return true
			}
			if !s.byte(',') {
				return false
			}
		}
	case c == '-' || ('0' <= c && c <= '9'):
		return s.number()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
			s.i += len(lit)
			return true
		}
	}
	return false
}

// str reads a string, and whether it holds escapes.
func (s *jsonScan) str() (escaped, ok bool) {
	if !s.byte('"') {
		return false, false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			return escaped, true
		case c < 0x20:
			return false, false
		case c == '\\':
			escaped = true
			if s.i >= len(s.b) {
				return false, false
			}
			e := s.b[s.i]
			s.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if s.i+4 > len(s.b) {
					return false, false
				}
				for _, h := range s.b[s.i : s.i+4] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false, false
					}
				}
				s.i += 4
			default:
				return false, false
			}
		}
	}
	return false, false
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScan) number() bool {
	s.byte('-')
	switch {
	case s.byte('0'):
	case s.i < len(s.b) && '1' <= s.b[s.i] && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.byte('.') && !s.digits() {
		return false
	}
	if s.byte('e') || s.byte('E') {
		if !s.byte('+') {
			s.byte('-')
		}
		return s.digits()
	}
	return true
}

func (s *jsonScan) digits() bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}
