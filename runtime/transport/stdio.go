package transport

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
)

// ServeStdio serves one local client over in and out until in closes or
// ctx ends. Either way, reading stops first and the requests already read
// get up to grace to be answered; only then does the session end (mcp-go
// cancels whatever is still running when its input ends). Nothing but
// protocol messages is written to out.
func ServeStdio(ctx context.Context, s *runtime.Server, in io.Reader, out io.Writer, grace time.Duration) error {
	stdio := server.NewStdioServer(s.MCP())
	stdio.SetErrorLogger(log.New(zerologWriter{s.Log()}, "", 0))
	// mcp-go calls this once per session; the principal comes from the
	// generation each request enters (Generation.caller).
	ac := &answerCounter{w: out, p: newPending(), answers: s.NewAnswers("stdio", "")}
	stdio.SetContextFunc(func(ctx context.Context) context.Context {
		ctx = runtime.WithAnswers(runtime.WithTransport(ctx, "stdio"), ac.answers)
		ac.session.Store(&ctx)
		return ctx
	})

	p := ac.p
	// /readyz on the ops listener says so once shutdown begins.
	defer context.AfterFunc(ctx, s.BeginShutdown)()
	pr, pw := io.Pipe()
	go pump(ctx, s.Log(), in, pw, p, grace)
	err := stdio.Listen(context.WithoutCancel(ctx), pr, ac)
	if errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}

// pump copies the client's messages to mcp-go, counting requests, until
// the client closes its end or ctx ends; then it waits for the answers and
// ends mcp-go's input.
func pump(ctx context.Context, logger zerolog.Logger, in io.Reader, pw *io.PipeWriter, p *pending, grace time.Duration) {
	lines := make(chan []byte)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(lines)
		r := bufio.NewReader(in)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				select {
				case lines <- line:
				case <-stop:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for open := true; open; {
		select {
		case line, ok := <-lines:
			if !ok {
				open = false
				break
			}
			if id, method, ok := requestOf(line); ok {
				if method == string(mcp.MethodSubscriptionsListen) {
					// A listen stream is answered only when it ends, which
					// shutdown brings about: waiting for it would always
					// wait the whole grace period.
					p.skip(id)
				} else {
					p.add()
				}
			}
			if _, err := pw.Write(line); err != nil {
				return
			}
		case <-ctx.Done():
			open = false
		}
	}
	if !p.wait(grace) {
		logger.Warn().Dur("grace", grace).Msg("calls still running after the grace period; cancelling them")
	}
	_ = pw.Close()
}

// requestOf returns the id and method of a JSON-RPC request, which will get
// exactly one answer (a notification gets none); ok is false for anything
// else.
func requestOf(line []byte) (id, method string, ok bool) {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if json.Unmarshal(line, &m) != nil || m.Method == "" || len(m.ID) == 0 || string(m.ID) == "null" {
		return "", "", false
	}
	return string(m.ID), m.Method, true
}

// answerCounter passes mcp-go's output through, counting answers; it
// also gives a request whose params did not decode a clean answer, and
// audits a message that was not JSON (runtime.Answers).
type answerCounter struct {
	w       io.Writer
	p       *pending
	answers *runtime.Answers
	session atomic.Pointer[context.Context] // the session's, once mcp-go starts it
}

func (a *answerCounter) Write(b []byte) (int, error) {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Error  *struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	parsed := json.Unmarshal(b, &m) == nil
	if parsed && m.Error != nil && m.Error.Code == mcp.PARSE_ERROR {
		ctx := context.Background()
		if s := a.session.Load(); s != nil {
			ctx = *s
		}
		a.answers.NotJSON(ctx)
	}
	_, err := a.w.Write(a.answers.Filter(b))
	// The answer to a message that was not JSON has a null id, and no
	// request was counted for it.
	if parsed && m.Method == "" && len(m.ID) > 0 && string(m.ID) != "null" {
		a.p.done(string(m.ID))
	}
	if err != nil {
		return 0, err
	}
	return len(b), nil
}

// pending counts requests read and not yet answered.
type pending struct {
	mu      sync.Mutex
	n       int
	skipped map[string]bool // ids of requests not waited for
	changed chan struct{}
}

func newPending() *pending {
	return &pending{skipped: map[string]bool{}, changed: make(chan struct{}, 1)}
}

func (p *pending) add() {
	p.mu.Lock()
	p.n++
	p.mu.Unlock()
}

// skip marks a request whose answer shutdown does not wait for.
func (p *pending) skip(id string) {
	p.mu.Lock()
	p.skipped[id] = true
	p.mu.Unlock()
}

func (p *pending) done(id string) {
	p.mu.Lock()
	if p.skipped[id] {
		delete(p.skipped, id)
		p.mu.Unlock()
		return
	}
	p.n--
	p.mu.Unlock()
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// wait reports whether every request was answered within d.
func (p *pending) wait(d time.Duration) bool {
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for {
		p.mu.Lock()
		n := p.n
		p.mu.Unlock()
		if n <= 0 {
			return true
		}
		select {
		case <-p.changed:
		case <-timeout.C:
			return false
		}
	}
}
