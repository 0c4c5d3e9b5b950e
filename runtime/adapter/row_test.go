package adapter

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestRowJSON(t *testing.T) {
	row := Row{
		Columns: []string{"z", "id", "big", "f", "ok", "none", "text", "json", "num"},
		Values:  []any{"first", int64(-7), int64(math.MaxInt64), 0.1, true, nil, "line\n\"q\" \\ \t\x01 é \u2028 \xff <&>", `{"a":1}`, json.Number("12.50")},
	}
	got, err := row.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"z":"first","id":-7,"big":9223372036854775807,"f":0.1,"ok":true,"none":null,` +
		`"text":"line\n\"q\" \\ \t\u0001 é \u2028 \ufffd <&>","json":"{\"a\":1}","num":12.50}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Whatever it writes, encoding/json reads back to the same values.
	var back map[string]any
	dec := json.NewDecoder(bytes.NewReader(got))
	dec.UseNumber()
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("not valid JSON: %v", err)
	}
	if back["text"] != "line\n\"q\" \\ \t\x01 é \u2028 \ufffd <&>" || back["big"] != json.Number("9223372036854775807") {
		t.Errorf("round trip: %#v", back)
	}
}

func TestRowsJSON(t *testing.T) {
	rs := Rows{Rows: []Row{{Columns: []string{"id"}, Values: []any{int64(1)}}, {Columns: []string{"id"}, Values: []any{int64(2)}}}, Truncated: true}
	got, _ := json.Marshal(rs)
	if want := `{"rows":[{"id":1},{"id":2}],"count":2,"truncated":true}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	got, _ = json.Marshal(Rows{})
	if want := `{"rows":[],"count":0,"truncated":false}`; string(got) != want {
		t.Errorf("empty: got %s, want %s", got, want)
	}
}

func FuzzRowString(f *testing.F) {
	f.Add("plain")
	f.Add("\x00\x1f\"\\\u2028\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := json.Marshal(Row{Columns: []string{s}, Values: []any{s}})
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q encoded as invalid JSON %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s) // encoding/json's view of the same string
		var wantS string
		_ = json.Unmarshal(want, &wantS)
		if back[wantS] != wantS {
			t.Fatalf("%q round-tripped to %#v, want %q", s, back, wantS)
		}
	})
}
