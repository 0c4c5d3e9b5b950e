package audit

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAppendObjectIsMarshal: args and binds are written byte for byte as
// json.Marshal writes them, escaping, number forms and failures included.
func TestAppendObjectIsMarshal(t *testing.T) {
	cases := []map[string]any{
		nil,
		{},
		{"order_id": int64(1042), "org": "acme", "z": nil, "ok": true, "no": false, "n": 7},
		{"html": "<b>&amp;</b>", "quote": `say "hi" \ bye`, "ctl": "a\tb\nc\x00", "uni": "café ☕ \u2028", "bad": "\xff\xfe"},
		{"<key>": 1, "ké": 2, "": 3},
		{"f": 1.5, "big": 1e21, "bigger": 1.2345e300, "small": 1e-7, "tiny": -2.5e-9, "edge": 1e-6, "zero": 0.0, "negzero": math.Copysign(0, -1), "int": 3.0, "max": math.MaxFloat64},
		{"nested": map[string]any{"b": []any{1.0, "x", nil}, "a": map[string]any{}}, "list": []string{"p", "q"}, "num": json.Number("12.50")},
		{"nan": math.NaN()},
		{"inf": math.Inf(-1), "ok": 1},
		{"ch": make(chan int)},
	}
	// Many keys, past the array keys are sorted in without allocating.
	many := map[string]any{}
	for i := range 40 {
		many[strings.Repeat("k", i%7)+string(rune('a'+i%26))+strings.Repeat("z", i/26)] = i
	}
	cases = append(cases, many)
	// Random strings of printable and awkward bytes.
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", "0", " ", "~", "\"", "\\", "<", ">", "&", "\n", "\x01", "\x7f", "é", "\u2029", "\xc3", "😀"}
	for range 200 {
		m := map[string]any{}
		for range 1 + r.IntN(4) {
			var k, v strings.Builder
			for range r.IntN(6) {
				k.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			for range r.IntN(12) {
				v.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			m[k.String()] = v.String()
		}
		m["f"] = (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(60)-30))
		cases = append(cases, m)
	}
	for _, m := range cases {
		want, werr := json.Marshal(m)
		got, gerr := appendObject([]byte("prefix"), m)
		if (werr != nil) != (gerr != nil) {
			t.Errorf("%#v: error %v, json.Marshal's %v", m, gerr, werr)
			continue
		}
		if werr == nil && string(got) != "prefix"+string(want) {
			t.Errorf("%#v:\n got %s\nwant prefix%s", m, got, want)
		}
	}
}

// TestWriteAllocations: a record is written, to a real audit file, without
// allocating: its args and binds are encoded into a pooled buffer, the time
// formatted into the record's own bytes, and the line goes out in one write.
func TestWriteAllocations(t *testing.T) {
	f, err := OpenFile(FileOptions{Path: filepath.Join(t.TempDir(), "audit.log"), Fsync: "never", MaxSize: 1 << 40, MaxFiles: 1})
	if err != nil {
		t.Fatal(err)
	}
	l := New(f)
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	rec := &Record{RequestID: "0123456789abcdef", Transport: "http", Subject: "bench", Tool: "get_order",
		Args: map[string]any{"order_id": int64(2), "note": "a <b> & c"}, Binds: map[string]any{"org": "acme"},
		Outcome: OK, Rows: 1, Bytes: 80, Duration: 1234 * time.Microsecond}
	if raceEnabled {
		t.Skip("the race detector empties sync.Pools at random")
	}
	if n := testing.AllocsPerRun(200, func() { l.Write(rec) }); n > 1 {
		t.Errorf("%.0f allocations per record, want at most 1 (the escaped string)", n)
	}
}

// TestRecordBytes pins a record's line with args that need escaping and
// numbers in both forms: the same bytes as before records were encoded
// by hand.
func TestRecordBytes(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf)
	args := map[string]any{"q": "<script>&\"x\"", "n": int64(-3), "f": 2.5e-7, "g": 1e21, "t": true, "u": nil, "é": "ü"}
	binds := map[string]any{"org": "acme", "limit": 10.0}
	l.Write(&Record{RequestID: "r", Tool: "t", Args: args, Binds: binds, Outcome: OK})
	line := buf.String()
	for _, part := range []string{
		`"args":{"f":2.5e-7,"g":1e+21,"n":-3,"q":"\u003cscript\u003e\u0026\"x\"","t":true,"u":null,"é":"ü"}`,
		`"binds":{"limit":10,"org":"acme"}`,
	} {
		if !strings.Contains(line, part) {
			t.Errorf("line lacks %s:\n%s", part, line)
		}
	}
	var rec map[string]any
	if err := json.NewDecoder(io.MultiReader(strings.NewReader(line))).Decode(&rec); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, line)
	}
}
