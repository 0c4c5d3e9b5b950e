package celjson

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	got, err := Decode([]byte(`{"n": 3, "big": 9223372036854775808, "f": 1.5, "e": 1e3,
		"neg": -7, "list": [1, 2.5, {"x": 0}], "s": "3", "b": true, "z": null}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"n": int64(3), "big": float64(9223372036854775808), "f": 1.5, "e": float64(1000),
		"neg": int64(-7), "list": []any{int64(1), 2.5, map[string]any{"x": int64(0)}},
		"s": "3", "b": true, "z": nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Decode = %#v\nwant %#v", got, want)
	}
	if v, err := Decode([]byte(`-9223372036854775808`)); err != nil || v != int64(math.MinInt64) {
		t.Errorf("min int64: %#v, %v", v, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	for in, want := range map[string]string{
		`{"a": 1} {"b": 2}`: "trailing data",
		`{"a": 1`:           "unexpected EOF",
		``:                  "EOF",
		`nope`:              "invalid character",
	} {
		if _, err := Decode([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%q) error = %v, want one containing %q", in, err, want)
		}
	}
}
