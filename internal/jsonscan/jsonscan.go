// Package jsonscan walks JSON text in one pass, without decoding it or
// allocating: it checks the text as strictly as encoding/json does, and
// says no to anything it is unsure of, so that its callers can leave that
// to encoding/json. The server reads requests with it (runtime.ScanMessage)
// and mcpgen bench checks answers with it (internal/loadgen).
package jsonscan

import (
	"strconv"
	"unicode/utf8"
)

// Scanner walks JSON text, checking it as it goes, as strictly as
// encoding/json does but for what it leaves to encoding/json (false).
type Scanner struct {
	b []byte
	i int
	// wide: a number the last Value read was beyond float64, which
	// encoding/json fails to decode into an any.
	wide bool
}

// New is a Scanner at the start of b, which must not change while it is
// in use: what it reads are slices of b.
func New(b []byte) Scanner { return Scanner{b: b} }

// Pos is where the scanner stands in the text.
func (s *Scanner) Pos() int { return s.i }

// Wide reports whether the value Value last read held a number beyond
// float64, which encoding/json fails to decode into an any.
func (s *Scanner) Wide() bool { return s.wide }

// maxDepth is how deep a value the scanner reads; deeper ones are left
// to encoding/json (whose limit is 10000).
const maxDepth = 1000

func (s *Scanner) Space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// End reports whether nothing but whitespace follows.
func (s *Scanner) End() bool {
	s.Space()
	return s.i == len(s.b)
}

// Object reads an object, calling member with each key, plain ASCII,
// when the scanner stands at its value; member reads the value.
func (s *Scanner) Object(member func(key []byte) bool) bool {
	s.Space()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return false
	}
	s.i++
	s.Space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return true
	}
	for {
		s.Space()
		key, plain, isString := s.PlainString()
		if !isString || !plain || !ascii(key) {
			return false
		}
		s.Space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.Space()
		if !member(key) {
			return false
		}
		s.Space()
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

// PlainString reads a string when the scanner stands at one (isString),
// returning its content when it is plain: no escapes, valid UTF-8, so
// the same as encoding/json would decode. A string that is not plain is
// read past all the same. One that is not valid JSON ends the scan: the
// scanner is left at the end of the text, where nothing more reads.
func (s *Scanner) PlainString() (v []byte, plain, isString bool) {
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
func (s *Scanner) str() (plain, ok bool) {
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

// At reports whether word (true, false, null) is next, reading nothing.
func (s *Scanner) At(word string) bool {
	return len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word
}

// Literal reads word (true, false, null) if the scanner stands at it.
func (s *Scanner) Literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// Value reads any JSON value, checking it, and notes whether it holds a
// number beyond float64 (Wide).
func (s *Scanner) Value() bool {
	s.wide = false
	return s.value(0)
}

func (s *Scanner) value(depth int) bool {
	if s.i >= len(s.b) || depth > maxDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{':
		s.i++
		s.Space()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return true
		}
		for {
			s.Space()
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return false
			}
			if _, ok := s.str(); !ok {
				return false
			}
			s.Space()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return false
			}
			s.i++
			s.Space()
			if !s.value(depth + 1) {
				return false
			}
			s.Space()
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
		s.Space()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return true
		}
		for {
			s.Space()
			if !s.value(depth + 1) {
				return false
			}
			s.Space()
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
		return s.Literal("true")
	case c == 'f':
		return s.Literal("false")
	case c == 'n':
		return s.Literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return false
}

// number reads a number as JSON spells it,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and notes one beyond
// float64 (wide). Without an exponent, 308 digits before the point are
// below the largest float64; others are parsed to tell.
func (s *Scanner) number() bool {
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
func (s *Scanner) checkRange(start int) {
	if _, err := strconv.ParseFloat(string(s.b[start:s.i]), 64); err != nil {
		s.wide = true
	}
}

func (s *Scanner) digits() int {
	n := 0
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}
