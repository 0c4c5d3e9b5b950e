package sql

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// colKind says how a column's values become JSON beyond what their Go type
// tells: the driver hands back the same Go type for different SQL types
// ([]byte for bytea and jsonb, string for text and numeric).
type colKind uint8

const (
	kindPlain   colKind = iota
	kindBool            // SQLite column declared BOOLEAN: 0 and 1 become false and true
	kindNumeric         // PostgreSQL numeric: an exact json.Number, not a float
	kindJSON            // PostgreSQL json and jsonb: the JSON value itself
	kindDate            // PostgreSQL date: YYYY-MM-DD
	kindText            // bytes that are text (PostgreSQL xml; MySQL text types)
	kindExact           // MySQL BIGINT UNSIGNED: a number, or its digits as a string beyond int64
	kindBits            // MySQL BIT(n): an unsigned integer
)

func columnKind(d dialect, dbType string) colKind {
	t := strings.ToUpper(dbType)
	if d == dialectSQLite {
		if t == "BOOLEAN" || t == "BOOL" {
			return kindBool
		}
		return kindPlain
	}
	if d == dialectMySQL {
		return mysqlColumnKind(t)
	}
	switch t {
	case "NUMERIC", "DECIMAL":
		return kindNumeric
	case "JSON", "JSONB":
		return kindJSON
	case "DATE":
		return kindDate
	case "XML":
		return kindText
	}
	return kindPlain
}

// jsonValue turns a value from the driver into one encoding/json writes
// faithfully: integers stay int64 (never float64, which loses precision
// above 2^53), text stays a string even when it looks like JSON, times are
// RFC 3339 with their offset, bytes are base64.
//
// A value that stays as it is is returned as v itself, not re-boxed: an
// int64 or a string put back into an interface would be copied again.
func jsonValue(v any, k colKind) any {
	switch x := v.(type) {
	case nil:
		return nil
	case uint64: // MySQL BIGINT UNSIGNED
		if x > math.MaxInt64 {
			return strconv.FormatUint(x, 10)
		}
		return int64(x)
	case int64:
		if k == kindBool && (x == 0 || x == 1) {
			return x == 1
		}
		return v
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return jsonFloat(x)
		}
		return v
	case bool:
		return v
	case string:
		if k == kindNumeric && isJSONNumber(x) {
			return json.Number(x)
		}
		return v // numeric NaN and Infinity stay strings: JSON has no such numbers
	case []byte:
		switch k {
		case kindJSON:
			if v, ok := decodeJSON(x); ok {
				return v
			}
			return string(x)
		case kindText:
			return string(x)
		case kindExact:
			return exactValue(string(x))
		case kindBits:
			return bitsValue(x)
		}
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		if k == kindDate {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339Nano)
	case json.Number:
		return x
	case float32:
		// The shortest decimal that reads back as this float32, not the
		// float64 next to it (0.1, not 0.10000000149011612).
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return jsonFloat(f)
	}

	// Drivers may return other types for types they do not know; none of
	// them may reach encoding/json as something it cannot write.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return json.Number(strconv.FormatUint(u, 10))
		}
		return int64(u)
	case reflect.String:
		return rv.String()
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(v)
}

func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}

// decodeJSON decodes a json/jsonb value, keeping numbers exact.
func decodeJSON(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// isJSONNumber reports whether s is a JSON number. PostgreSQL writes numeric
// as plain decimals, or NaN and (+-)Infinity, which are not.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i == len(s) || !isDigit(s[i]) {
		return false
	}
	if s[i] == '0' && i+1 < len(s) && isDigit(s[i+1]) {
		return false
	}
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}

// bindValue turns an argument or a bound value into what the driver binds.
// Arrays (and anything else structured a bind may produce) are bound as
// JSON text, for json_each / jsonb_array_elements_text.
func bindValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, int64, float64, bool:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case json.Number:
		return x.String(), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("binding a %T as JSON: %w", v, err)
		}
		return string(b), nil
	case reflect.Int8, reflect.Int16, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return reflect.ValueOf(v).Convert(reflect.TypeFor[int64]()).Interface(), nil
	}
	return nil, fmt.Errorf("cannot bind a value of type %T", v)
}

// mysqlColumnKind maps the type names go-sql-driver/mysql reports.
func mysqlColumnKind(t string) colKind {
	switch t {
	case "UNSIGNED BIGINT":
		return kindExact
	case "JSON":
		return kindJSON
	case "DATE":
		return kindDate
	case "BIT":
		return kindBits
	case "DECIMAL", "CHAR", "VARCHAR", "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "SET", "TIME":
		return kindText
	}
	return kindPlain // integers, floats, times come typed; BLOB, BINARY... stay bytes
}

// exactValue keeps a BIGINT UNSIGNED exact: a number when it fits int64,
// its digits as a string beyond.
func exactValue(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	return s
}

// bitsValue reads a BIT(n) value, big-endian.
func bitsValue(b []byte) any {
	if len(b) > 8 {
		return base64.StdEncoding.EncodeToString(b)
	}
	var u uint64
	for _, c := range b {
		u = u<<8 | uint64(c)
	}
	if u > math.MaxInt64 {
		return strconv.FormatUint(u, 10)
	}
	return int64(u)
}
