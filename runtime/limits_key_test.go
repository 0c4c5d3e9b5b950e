package runtime

import (
	"fmt"
	"testing"
)

// TestAppendKeyValue: a rate limit key's value goes into the bucket key as
// fmt.Sprint writes it, whatever its type, so that buckets stay the same.
func TestAppendKeyValue(t *testing.T) {
	for _, v := range []any{"acme", "", int64(-42), true, false, 2.5, 1e21, []any{"a", int64(1)}, map[string]any{"k": "v"}, nil, uint64(7)} {
		if got, want := string(appendKeyValue([]byte("p|"), v)), "p|"+fmt.Sprint(v); got != want {
			t.Errorf("%#v: %q, want %q", v, got, want)
		}
	}
}
