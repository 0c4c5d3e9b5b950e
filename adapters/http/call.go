package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/mcpgen/mcpgen/adapters/internal/resilience"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// Call builds the request from the call's arguments and binds, sends it
// under the breaker and the retry policy, and shapes the answer.
func (t *Tool) Call(ctx context.Context, call *adapter.Call) (*adapter.Result, error) {
	s := t.src
	if s.client == nil {
		return nil, fmt.Errorf("http tool %s: source %s is not open", t.name, s.name)
	}
	req, err := t.request(call)
	if err != nil {
		return nil, err
	}

	ok, probe, wait := s.breaker.Allow(s.now())
	if !ok {
		return nil, &adapter.ToolError{Msg: fmt.Sprintf(
			"Upstream unavailable, retry after %s: the %s service failed repeatedly and calls to it are paused.", roundUp(wait), s.name)}
	}
	resp, err := t.send(ctx, req, call)
	s.breaker.Done(s.now(), probe, health(ctx, resp, err))
	if err != nil {
		return nil, t.networkError(ctx, err, call.Upstream.Attempts)
	}
	return t.answer(ctx, resp, call)
}

// built is a request ready to send any number of times.
type built struct {
	url     string
	headers http.Header
	body    []byte // nil: no body
}

func (t *Tool) request(call *adapter.Call) (*built, error) {
	s := t.src
	vars := map[string]any{"args": call.Args, "binds": call.Binds}
	escaped, err := t.path.expand(func(name string) (any, bool) {
		if v, ok := call.Binds[name]; ok {
			return v, true
		}
		v, ok := call.Args[name]
		return v, ok
	})
	if err != nil {
		return nil, refuse(err)
	}

	q := url.Values{}
	for _, e := range t.query {
		v, err := e.prg.Eval(vars)
		if err != nil {
			return nil, t.celError("query parameter "+e.name, err)
		}
		switch x := v.(type) {
		case nil: // left out: how optional params stay out of the URL
		case []any:
			for _, item := range x {
				text, err := scalarText(item)
				if err != nil {
					return nil, refuse(&valueError{"query parameter " + e.name, "has an item that " + err.Error()})
				}
				q.Add(e.name, text)
			}
		default:
			text, err := scalarText(v)
			if err != nil {
				return nil, refuse(&valueError{"query parameter " + e.name, err.Error()})
			}
			q.Set(e.name, text)
		}
	}
	u, err := s.resolve(escaped, q.Encode())
	if err != nil {
		return nil, refuse(err)
	}

	b := &built{url: u.String(), headers: s.headers.Clone()}
	if b.headers == nil {
		b.headers = http.Header{}
	}
	for _, e := range t.headers {
		v, err := e.prg.Eval(vars)
		if err != nil {
			return nil, t.celError("header "+e.name, err)
		}
		if v == nil {
			continue
		}
		text, err := scalarText(v)
		if err != nil {
			return nil, refuse(&valueError{"header " + e.name, err.Error()})
		}
		if !validHeaderValue(text) {
			// A line break would end the header and start another.
			return nil, refuse(&valueError{"header " + e.name, "contains a line break or another control character"})
		}
		b.headers.Set(e.name, text)
	}
	if t.body != nil {
		v, err := t.body.Eval(vars)
		if err != nil {
			return nil, t.celError("body", err)
		}
		if b.body, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("http tool %s: encoding the body: %w", t.name, err)
		}
		b.headers.Set("Content-Type", "application/json")
	}
	if b.headers.Get("Accept") == "" {
		b.headers.Set("Accept", "application/json, text/plain;q=0.9, */*;q=0.1")
	}
	return b, nil
}

// refuse turns a value that cannot go into the request into an error the
// caller can act on.
func refuse(err error) error {
	if errors.Is(err, errRefused) {
		return &adapter.ToolError{Msg: "The call was refused: its arguments would send the request outside the service it is declared for."}
	}
	return &adapter.ToolError{Msg: "The call was refused: " + err.Error() + "."}
}

// celError: the expression was checked at load, so a failure here is the
// data (an absent optional argument read without has()). It is the
// operator's to fix; the caller learns which part failed.
func (t *Tool) celError(what string, err error) error {
	return fmt.Errorf("http tool %s: %s: %w", t.name, what, err)
}

// send makes the attempts the retry policy allows. It returns the last
// response (its body unread) or the last error, as the transport said it.
func (t *Tool) send(ctx context.Context, b *built, call *adapter.Call) (*http.Response, error) {
	s := t.src
	retryable := methods[t.method] || t.retryUnsafe
	for attempt := 1; ; attempt++ {
		call.Upstream.Attempts = attempt
		resp, err := t.attempt(ctx, b)
		if err == nil {
			call.Upstream.Status = resp.StatusCode
		}
		again := attempt < s.retry.Attempts && ctx.Err() == nil
		switch {
		case !again:
		case err != nil:
			// Nothing was sent when the connection failed: safe for any method.
			again = (retryable || isDialError(err)) && !errors.Is(err, errRedirect)
		default:
			again = retryable && s.retry.Statuses[resp.StatusCode]
		}
		wait := s.retry.Wait(attempt, s.random) // jitter from the source's randomness, which tests replace
		if !again || !fits(ctx, wait) {
			// No retry, or the call's time would run out while waiting:
			// answer now with what this attempt said.
			return resp, err
		}
		if resp != nil {
			drain(resp)
		}
		if !sleep(ctx, wait) {
			return nil, ctx.Err()
		}
	}
}

func (t *Tool) attempt(ctx context.Context, b *built) (*http.Response, error) {
	s := t.src
	actx, cancel := context.WithTimeout(ctx, s.timeout)
	var body io.Reader
	if b.body != nil {
		body = bytes.NewReader(b.body)
	}
	req, err := http.NewRequestWithContext(actx, t.method, b.url, body)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header = b.headers.Clone()
	end := t.traceAttempt(req)
	resp, err := s.client.Do(req)
	end(resp, err)
	if err != nil {
		cancel()
		return nil, err
	}
	// The attempt's deadline covers reading the body too.
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelBody) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// drain reads a little of a body the caller will not use, so that the
// connection can be reused, then closes it.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}

// fits says whether a wait of d ends before the context's deadline: a
// retry is not worth starting when the call would time out first.
func fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// sleep waits d unless the context ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// health is what a finished call says about the upstream, for the breaker.
func health(ctx context.Context, resp *http.Response, err error) resilience.Outcome {
	switch {
	case err == nil && resp.StatusCode >= 500:
		return resilience.Unhealthy
	case err == nil, errors.Is(err, errRedirect):
		return resilience.Healthy // it answered
	case errors.Is(ctx.Err(), context.Canceled):
		return resilience.Unknown // the client left; the upstream may be fine
	}
	return resilience.Unhealthy // unreachable, or too slow for the call's time
}

// networkError describes a failed attempt without the URL (which names
// internal hosts) or anything the upstream said. A timeout of the whole
// call stays a context error, so that the runtime reports a timeout.
func (t *Tool) networkError(ctx context.Context, err error, attempts int) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("http tool %s: %w", t.name, cerr)
	}
	why := "the connection failed"
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		why = fmt.Sprintf("it did not answer within %s", t.src.timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "the connection was refused (is the service running?)"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		why = "the connection was reset"
	case errors.As(err, &dnsErr):
		why = "its host name does not resolve"
	case errors.Is(err, errRedirect):
		why = "it redirected outside base_url (another host or path), which this source does not follow"
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:"):
		why = "the TLS handshake failed"
	}
	return &adapter.ToolError{Msg: fmt.Sprintf("The upstream %s service is unreachable: %s%s.", t.src.name, why, afterAttempts(attempts))}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func afterAttempts(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (%d attempts)", n)
}

// roundUp shows a wait in whole seconds, at least one.
func roundUp(d time.Duration) time.Duration {
	return max(time.Second, (d + time.Second - 1).Truncate(time.Second))
}
