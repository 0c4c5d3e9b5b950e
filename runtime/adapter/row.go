package adapter

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Row is one result row: its columns and values, in the statement's order.
// It marshals to a JSON object whose keys keep that order, which is what a
// reviewer wrote in the SELECT and what a model reads first, and which
// costs far less than a map: no hashing, no sorting.
//
// Values are what adapters produce: nil, string, int64, float64, bool,
// json.Number, or anything encoding/json handles.
type Row struct {
	Columns []string
	Values  []any
}

// MarshalJSON writes the row as a JSON object.
func (r Row) MarshalJSON() ([]byte, error) {
	return r.appendJSON(make([]byte, 0, 64*len(r.Columns)+2))
}

func (r Row) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, c := range r.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, c)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, r.Values[i]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// Rows is a list result: the rows, how many, and whether a cap cut it.
type Rows struct {
	Rows      []Row
	Truncated bool
}

// MarshalJSON writes {"rows":[...],"count":N,"truncated":B}.
func (rs Rows) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64+len(rs.Rows)*128)
	b = append(b, `{"rows":[`...)
	for i, r := range rs.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = r.appendJSON(b); err != nil {
			return nil, err
		}
	}
	b = append(b, `],"count":`...)
	b = strconv.AppendInt(b, int64(len(rs.Rows)), 10)
	b = append(b, `,"truncated":`...)
	b = strconv.AppendBool(b, rs.Truncated)
	return append(b, '}'), nil
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	}
	// Floats (JSON has rules for exponents), numbers, nested values.
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping what JSON requires and
// replacing invalid UTF-8 with U+FFFD, as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 break JavaScript that embeds JSON.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
