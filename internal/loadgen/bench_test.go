package loadgen

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"testing"
)

// A tools/call answer of the fullstack bench, as mcpgen serve sends it.
const benchAnswer = `{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"{\"id\":4242,\"status\":\"shipped\",\"total_cents\":92898,\"placed_at\":\"2025-01-15T17:30:00Z\"}"}],"structuredContent":{"id":4242,"status":"shipped","total_cents":92898,"placed_at":"2025-01-15T17:30:00Z"}}}`

func BenchmarkCheck(b *testing.B) {
	raw, expect := []byte(benchAnswer), []byte("shipped")
	b.ReportAllocs()
	for b.Loop() {
		if f := check(raw, 7, expect); f != nil {
			b.Fatal(f)
		}
	}
}

// cannedServer answers every request on 127.0.0.1 with answer, reading
// requests by their Content-Length and allocating nothing per request, so
// that the allocations the benchmark counts are the client's.
func cannedServer(b *testing.B, answer []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				buf, have := make([]byte, 64<<10), 0
				for {
					n, err := nc.Read(buf[have:])
					if err != nil {
						return
					}
					have += n
					for {
						end := bytes.Index(buf[:have], []byte("\r\n\r\n"))
						if end < 0 {
							break
						}
						i := bytes.Index(buf[:end], []byte("Content-Length: "))
						if i < 0 {
							return
						}
						cl := 0
						for _, c := range buf[i+len("Content-Length: ") : end] {
							if c < '0' || c > '9' {
								break
							}
							cl = cl*10 + int(c-'0')
						}
						total := end + 4 + cl
						if have < total {
							break
						}
						if _, err := nc.Write(answer); err != nil {
							return
						}
						have = copy(buf, buf[total:have])
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/mcp"
}

// BenchmarkHTTPCall is one call's request and answer on the client side.
func BenchmarkHTTPCall(b *testing.B) {
	answer := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Fri, 04 Dec 2026 21:28:11 GMT\r\nContent-Length: " +
		strconv.Itoa(len(benchAnswer)) + "\r\n\r\n" + benchAnswer)
	e, err := newHTTPEndpoint(cannedServer(b, answer), http.Header{"Authorization": {"Bearer mcpk_bench_key"}}, DefaultProtocol, nil)
	if err != nil {
		b.Fatal(err)
	}
	c := &httpConn{e: e, session: "0123456789abcdef", protocol: DefaultProtocol}
	c.buildHead()
	defer c.close()
	body := []byte(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_order","arguments":{"order_id":4242}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.call(b.Context(), 7, body); err != nil {
			b.Fatal(err)
		}
	}
}
