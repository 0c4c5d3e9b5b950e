package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// stdioEndpoint is one server process speaking MCP on its stdin and
// stdout. The clients of a load share it, each with calls in flight, the
// way one MCP host drives several agents through one connection.
type stdioEndpoint struct {
	w  io.Writer
	mu sync.Mutex // one message at a time on w

	pmu     sync.Mutex
	pending map[int64]chan []byte
	readErr error // set once the server's stdout ended
}

func newStdioEndpoint(w io.Writer, r io.Reader) *stdioEndpoint {
	e := &stdioEndpoint{w: w, pending: map[int64]chan []byte{}}
	go e.read(r)
	return e
}

// read hands each answer to the call waiting for it, and drops what the
// server sends on its own (notifications, requests).
func (e *stdioEndpoint) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	var err error
	for {
		var line []byte
		line, err = br.ReadBytes('\n')
		if len(line) > 0 {
			var m struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			if json.Unmarshal(line, &m) == nil && m.Method == "" {
				if id, perr := strconv.ParseInt(string(m.ID), 10, 64); perr == nil {
					e.pmu.Lock()
					ch := e.pending[id]
					delete(e.pending, id)
					e.pmu.Unlock()
					if ch != nil {
						ch <- line
					}
				}
			}
		}
		if err != nil {
			break
		}
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("the server closed its stdout")
	}
	e.pmu.Lock()
	e.readErr = err
	for id, ch := range e.pending {
		close(ch)
		delete(e.pending, id)
	}
	e.pmu.Unlock()
}

func (e *stdioEndpoint) send(body []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.w.Write(body); err != nil {
		return err
	}
	_, err := e.w.Write([]byte{'\n'})
	return err
}

// roundTrip sends request id and waits for its answer.
func (e *stdioEndpoint) roundTrip(ctx context.Context, id int64, body []byte) ([]byte, error) {
	ch := make(chan []byte, 1)
	e.pmu.Lock()
	if e.readErr != nil {
		e.pmu.Unlock()
		return nil, &failure{ClassTransport, e.readErr.Error()}
	}
	e.pending[id] = ch
	e.pmu.Unlock()
	if err := e.send(body); err != nil {
		e.pmu.Lock()
		delete(e.pending, id)
		e.pmu.Unlock()
		return nil, &failure{ClassTransport, err.Error()}
	}
	select {
	case raw, ok := <-ch:
		if !ok {
			return nil, &failure{ClassTransport, fmt.Sprintf("no answer to id %d: the server's stdout ended", id)}
		}
		return raw, nil
	case <-ctx.Done():
		e.pmu.Lock()
		delete(e.pending, id)
		e.pmu.Unlock()
		return nil, &failure{ClassTransport, ctx.Err().Error()}
	}
}

// initialize opens the one session of the process.
func (e *stdioEndpoint) initialize(ctx context.Context, protocol string) error {
	body := []byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":` +
		strconv.Quote(protocol) + `,"capabilities":{},"clientInfo":{"name":"mcpgen-bench","version":"1"}}}`)
	raw, err := e.roundTrip(ctx, 0, body)
	if err != nil {
		return fmt.Errorf("initialize: %v", err)
	}
	if f := checkInit(raw); f != nil {
		return fmt.Errorf("initialize: %s", f.detail)
	}
	return e.send([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
}

func (e *stdioEndpoint) open(context.Context) (conn, error) { return stdioConn{e}, nil }

type stdioConn struct{ e *stdioEndpoint }

func (c stdioConn) call(ctx context.Context, id int64, body []byte) ([]byte, error) {
	return c.e.roundTrip(ctx, id, body)
}

func (stdioConn) close() {}
