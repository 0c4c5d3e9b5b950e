package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

var values = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `1E+9`, `true`, `false`, `null`,
	`{"a":[1,{"b":null}],"c":"\u00e9\n"}`, ` [ 1 , 2 ] `, `"é"`, `1e400`,
	`{`, `[1,]`, `{"a":1,}`, `01`, `1.`, `.5`, `-`, `1e`, `"\x"`, `"\u12"`,
	"\"a\tb\"", `tru`, `nul`, `{"a" 1}`, `{1:2}`, `[1 2]`, `"abc`, ``, ` `,
	strings.Repeat("[", 1001) + strings.Repeat("]", 1001),
}

// TestValue: Value with End accepts JSON text just when encoding/json
// does, but for nesting deeper than it reads (left to encoding/json).
func TestValue(t *testing.T) {
	for _, v := range values {
		checkValue(t, v)
	}
	deep := strings.Repeat("[", 1002) + strings.Repeat("]", 1002)
	if s := New([]byte(deep)); s.Value() {
		t.Error("a value nested 1002 deep was read")
	}
}

func checkValue(t *testing.T, v string) {
	t.Helper()
	s := New([]byte(v))
	s.Space()
	got := s.Value() && s.End()
	if want := json.Valid([]byte(v)); got && !want || !got && want && !strings.HasPrefix(v, "[[[[") {
		t.Errorf("%q: read %v, encoding/json valid %v", v, got, want)
	}
}

// TestWide: a number beyond float64 is valid JSON, noted as wide for the
// value that held it only.
func TestWide(t *testing.T) {
	s := New([]byte(`[1e400] 1`))
	if !s.Value() || !s.Wide() {
		t.Fatal("1e400 not noted as wide")
	}
	s.Space()
	if !s.Value() || s.Wide() {
		t.Error("the next value kept the note")
	}
}

func FuzzValue(f *testing.F) {
	for _, v := range values {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.Count(v, "[")+strings.Count(v, "{") > 1000 {
			return
		}
		checkValue(t, v)
	})
}
