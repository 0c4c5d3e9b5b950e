package guard

import (
	"reflect"
	"strings"
	"testing"
)

func TestValueExpressions(t *testing.T) {
	env, err := NewValueEnv("args", "binds", "response")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{
		"args":     map[string]any{"sku": "TN-1", "qty": int64(2), "tags": []any{"a", "b"}},
		"binds":    map[string]any{"org": "acme"},
		"response": map[string]any{"status": int64(200), "body": map[string]any{"sku": "TN-1", "qty": int64(7), "price": 12.5}},
	}
	tests := []struct {
		src  string
		want any
		kind string
		err  string
	}{
		{src: `{'sku': args.sku, 'qty': args.qty}`, want: map[string]any{"sku": "TN-1", "qty": int64(2)}, kind: "map"},
		{src: `args.sku`, want: "TN-1", kind: "dyn"},
		{src: `'x-' + args.sku`, want: "x-TN-1", kind: "string"},
		{src: `args.tags`, want: []any{"a", "b"}, kind: "dyn"},
		{src: `null`, want: nil, kind: "null"},
		{src: `{'available': response.body.qty > 0, 'price': response.body.price}`, want: map[string]any{"available": true, "price": 12.5}, kind: "map"},
		{src: `b'ab'`, want: "YWI=", kind: "bytes"},
		{src: `[1u, 2.0, true]`, want: []any{int64(1), 2.0, true}, kind: "list"},
		{src: `args.missing`, err: "no such key"},
		{src: `{1: 'a'}`, err: "string keys"},
		{src: `1.0 / 0.0`, err: "cannot be represented in JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := env.Compile(tt.src)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := p.Eval(vars)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Eval = %#v, %v; want an error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Eval = %#v, %v; want %#v", got, err, tt.want)
			}
			if p.Kind() != tt.kind {
				t.Errorf("Kind = %q, want %q", p.Kind(), tt.kind)
			}
		})
	}
}

func TestValueUses(t *testing.T) {
	env, _ := NewValueEnv("args", "binds")
	tests := []struct {
		src   string
		keys  []string
		whole bool
	}{
		{src: `args.sku`, keys: []string{"sku"}},
		{src: `{'a': args.b, 'c': args['d'], 'e': has(args.f) ? args.f : 0, 'g': args.b}`, keys: []string{"b", "d", "f"}},
		{src: `args`, whole: true},
		{src: `args.map(k, k)`, whole: true},
		{src: `binds.org`},
	}
	for _, tt := range tests {
		p, err := env.Compile(tt.src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.src, err)
		}
		keys, whole := p.Uses("args")
		if !reflect.DeepEqual(keys, tt.keys) || whole != tt.whole {
			t.Errorf("Uses(%q) = %q, %v; want %q, %v", tt.src, keys, whole, tt.keys, tt.whole)
		}
	}
	if _, err := env.Compile(`response.body`); err == nil || !strings.Contains(err.Error(), "undeclared reference to 'response'") {
		t.Errorf("Compile(response.body) = %v, want an undeclared reference", err)
	}
}
