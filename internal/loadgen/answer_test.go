package loadgen

import (
	"testing"
)

// TestCheck: each fault of an answer to call 7 is found and classed,
// however plain the answer looks.
func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		raw, expect, class string
	}{
		{benchAnswer, "shipped", ""},
		{benchAnswer, `"status":"shipped"`, ""},         // as the text decodes
		{`{"id":7,"result":{"isError":false}}`, "", ""}, // no jsonrpc member: not the bench's to judge
		{` {"jsonrpc":"2.0", "result" : {"content":[]} , "id":7 } `, "", ""},
		{benchAnswer, "pending", ClassExpect},
		{`{"jsonrpc":"2.0","id":8,"result":{}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":"7","result":{}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7.0,"result":{}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"result":{},"id":8}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","ID":8,"id":7,"result":{}}`, "", ""}, // the last of the keys encoding/json folds together
		{`{"jsonrpc":"2.0","id":7,"ID":8,"result":{}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","\u0069d":8,"id":7,"result":{}}`, "", ""},
		{`{"jsonrpc":"2.0","id":7,"\u0069d":8,"result":{}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"bad arguments"}}`, "", "json-rpc -32602"},
		{`{"jsonrpc":"2.0","id":7,"result":{},"Error":{"code":-32000,"message":"x"}}`, "", "json-rpc -32000"},
		{`{"jsonrpc":"2.0","id":7}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"result":null}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"result":{"isError":true,"content":[{"type":"text","text":"no such order"}]}}`, "", ClassToolError},
		{`{"jsonrpc":"2.0","id":7,"result":{"isError":false,"IsError":true}}`, "", ClassToolError},
		{`{"jsonrpc":"2.0","id":7,"result":{"isError":"yes"}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"result":{}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"result":{}}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"result":{"a":01}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"result":{"a":"\x"}}`, "", ClassAnswer},
		{"{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"a\":\"\t\"}}", "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"result":{"a":[1,]}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"result":{"a":tru}}`, "", ClassAnswer},
		{`{"jsonrpc":"2.0","id":7,"method":"x","result":{}}`, "", ""},
		{`{"jsonrpc":"2.0","id":7,"method":1,"result":{}}`, "", ClassAnswer},
		{``, "", ClassAnswer},
	} {
		f := check([]byte(tt.raw), 7, []byte(tt.expect))
		class := ""
		if f != nil {
			class = f.class
		}
		if class != tt.class {
			t.Errorf("%s (expect %q): %q (%v), want %q", tt.raw, tt.expect, class, f, tt.class)
		}
	}
	// The bench's answers take the short way.
	if !plainlyGood([]byte(benchAnswer), 7, []byte("shipped")) {
		t.Error("a plain answer is not plainly good")
	}
}

// FuzzCheck: whatever plainlyGood passes, encoding/json finds no fault in.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(benchAnswer), int64(7), []byte("shipped"))
	f.Add([]byte(`{"jsonrpc":"2.0","id":7,"result":{"isError":false,"content":[{"text":"a\"b"}]}}`), int64(7), []byte(`a\"b`))
	f.Add([]byte(`{"id":-3,"result":{"x":[1.5e3,-0,{"":null}],"y":true}}`), int64(-3), []byte(nil))
	f.Fuzz(func(t *testing.T, raw []byte, id int64, expect []byte) {
		if plainlyGood(raw, id, expect) {
			if f := checkDecoded(raw, id, expect); f != nil {
				t.Fatalf("plainly good, but encoding/json says %v", f)
			}
		}
	})
}
