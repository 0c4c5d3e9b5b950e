package loadgen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
)

// argsTemplate is the --args JSON with {{int MIN MAX}} placeholders, each
// replaced by a fresh random integer on every call, so that a load does
// not ask the same question again and again (or hit a result cache).
type argsTemplate struct {
	parts  [][]byte // literal text; len(parts) == len(ranges)+1
	ranges [][2]int64
}

var placeholder = regexp.MustCompile(`\{\{\s*int\s+(-?\d+)\s+(-?\d+)\s*\}\}`)

func parseArgs(s string) (*argsTemplate, error) {
	if s == "" {
		s = "{}"
	}
	t := &argsTemplate{}
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(s, -1) {
		lo, err1 := strconv.ParseInt(s[m[2]:m[3]], 10, 64)
		hi, err2 := strconv.ParseInt(s[m[4]:m[5]], 10, 64)
		if err1 != nil || err2 != nil || hi < lo {
			return nil, fmt.Errorf("--args: %s: want {{int MIN MAX}} with MIN <= MAX", s[m[0]:m[1]])
		}
		t.parts = append(t.parts, []byte(s[last:m[0]]))
		t.ranges = append(t.ranges, [2]int64{lo, hi})
		last = m[1]
	}
	t.parts = append(t.parts, []byte(s[last:]))
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(t.append(nil, rand.New(rand.NewPCG(1, 1))), &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("--args: want a JSON object of the tool's arguments, got %q", s)
	}
	return t, nil
}

func (t *argsTemplate) append(b []byte, rng *rand.Rand) []byte {
	for i, r := range t.ranges {
		b = append(b, t.parts[i]...)
		b = strconv.AppendInt(b, r[0]+rng.Int64N(r[1]-r[0]+1), 10)
	}
	return append(b, t.parts[len(t.parts)-1]...)
}

// callBody is one tools/call request, built without encoding/json: the
// client shares the machine with the server and should stay cheap.
func callBody(b []byte, id int64, tool []byte, args *argsTemplate, rng *rand.Rand) []byte {
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"method":"tools/call","params":{"name":`...)
	b = append(b, tool...)
	b = append(b, `,"arguments":`...)
	b = args.append(b, rng)
	return append(b, `}}`...)
}
