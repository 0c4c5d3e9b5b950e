package loadgen

import (
	"bytes"
	"strconv"

	"github.com/mcpgen/mcpgen/internal/jsonscan"
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
	s := jsonscan.New(raw)
	sawID, sawResult := false, false
	ok := s.Object(func(key []byte) bool {
		switch string(key) {
		case "id":
			start := s.Pos()
			if sawID || !s.Value() || !bytes.Equal(raw[start:s.Pos()], strconv.AppendInt(num[:0], id, 10)) {
				return false
			}
			sawID = true
			return true
		case "result":
			if sawResult || !result(&s) {
				return false
			}
			sawResult = true
			return true
		}
		return !like(key, "id", "result", "error", "method") && s.Value()
	})
	return ok && s.End() && sawID && sawResult
}

// result reads the result object, whose "isError" must be false if there.
func result(s *jsonscan.Scanner) bool {
	sawIsError := false
	return s.Object(func(key []byte) bool {
		switch {
		case string(key) == "isError":
			if sawIsError || !s.Literal("false") {
				return false
			}
			sawIsError = true
			return true
		case like(key, "isError"):
			return false
		}
		return s.Value()
	})
}

// like reports whether key could stand for one of names as encoding/json
// matches keys to fields: but for letter case. (The scanner gives only
// keys in plain ASCII; any other is not plain.)
func like(key []byte, names ...string) bool {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return true
		}
	}
	return false
}
