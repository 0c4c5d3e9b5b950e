// Package celjson decodes JSON into the values CEL expressions compare:
// integers that fit in int64 stay int64 (so `x == 3` holds for an
// answer's 3), every other number is float64. encoding/json alone makes
// every number a float64, which CEL does not compare equal to an int
// literal.
package celjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// Decode decodes data, which must hold exactly one JSON value.
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return numbers(v), nil
}

// numbers turns v's json.Numbers into int64 or float64, in place.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}
