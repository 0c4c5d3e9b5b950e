package audit

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
)

// A record's args and binds are encoded here rather than by json.Marshal,
// which reflects over the map and copies every key and value: this is done
// once per call. The bytes are json.Marshal's, always: keys sorted, the
// same escaping (HTML characters and all), the same numbers. Anything this
// does not write plainly (a string or key that needs escaping, a nested
// value, a json.Number) goes through json.Marshal itself.

// bufPool holds the buffers records are encoded into.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// appendObject appends m as json.Marshal would write it, or reports an
// error where json.Marshal would (a NaN, a value of no JSON form).
func appendObject(dst []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		if !plain(k) {
			return appendMarshal(dst, m)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, k...)
		dst = append(dst, '"', ':')
		var err error
		if dst, err = appendValue(dst, m[k]); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		if !plain(x) {
			return appendMarshal(dst, v)
		}
		dst = append(dst, '"')
		dst = append(dst, x...)
		return append(dst, '"'), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case float64:
		return appendFloat(dst, x)
	}
	return appendMarshal(dst, v)
}

// appendFloat writes f as encoding/json does: the shortest decimal, in
// exponent form below 1e-6 and from 1e21, with a one-digit negative
// exponent unpadded.
func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendMarshal(dst, f) // the error json.Marshal gives
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if n := len(dst); format == 'e' && n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
		dst[n-2] = dst[n-1]
		dst = dst[:n-1]
	}
	return dst, nil
}

func appendMarshal(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// plain reports whether s is written between quotes as it is: printable
// ASCII that JSON (with encoding/json's HTML escaping) leaves alone.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
