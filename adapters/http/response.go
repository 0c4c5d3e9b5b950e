package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mcpgen/mcpgen/internal/celjson"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// summaryLen bounds the upstream's message in a 4xx tool error: enough for
// "no such sku", short enough that a stack trace stays out.
const summaryLen = 200

// answer reads the response within the size cap and turns it into a
// result or a tool error. Response headers never reach the client; a
// result expression may read them.
func (t *Tool) answer(ctx context.Context, resp *http.Response, call *adapter.Call) (*adapter.Result, error) {
	defer resp.Body.Close()
	s := t.src
	body, err := readCapped(resp.Body, s.maxBytes)
	if errors.Is(err, errTooLarge) {
		return nil, &adapter.ToolError{Msg: fmt.Sprintf(
			"The upstream response is larger than this tool's limit of %s (max_response_bytes) and was cut off; ask for less.", size(s.maxBytes))}
	}
	if err != nil {
		return nil, t.networkError(ctx, err, call.Upstream.Attempts)
	}
	status := resp.StatusCode
	switch {
	case status >= 300 && status < 400:
		return nil, &adapter.ToolError{Msg: fmt.Sprintf(
			"The upstream answered with a redirect (%s), which this source does not follow.", statusText(status))}
	case status >= 400 && status < 500:
		return nil, &adapter.ToolError{Msg: t.clientErrorText(resp, body)}
	case status >= 500 || status < 200:
		return nil, &adapter.ToolError{Msg: fmt.Sprintf(
			"The upstream %s service failed: it answered %s%s.", s.name, statusText(status), afterAttempts(call.Upstream.Attempts))}
	}

	isJSON := jsonMedia(resp.Header.Get("Content-Type"))
	if t.result == nil && (len(body) == 0 || resp.Request.Method == http.MethodHead) {
		return &adapter.Result{Structured: json.RawMessage("{}")}, nil
	}
	if t.result == nil && isJSON {
		return passThrough(body)
	}
	var value any
	switch {
	case len(body) == 0:
	case isJSON:
		if value, err = celjson.Decode(body); err != nil {
			return nil, &adapter.ToolError{Msg: "The upstream sent a body marked as JSON that is not valid JSON."}
		}
	default:
		value = strings.ToValidUTF8(string(body), "\uFFFD")
	}
	if t.result == nil {
		return &adapter.Result{Structured: map[string]any{"body": value}, Rows: 1}, nil
	}
	return t.shape(resp, value, call)
}

// passThrough returns a JSON body without decoding it: numbers stay exact
// and nothing is allocated per field. An object is the result; any other
// value is wrapped as {"body": ...}.
func passThrough(body []byte) (*adapter.Result, error) {
	var buf bytes.Buffer
	buf.Grow(len(body) + 10)
	if err := json.Compact(&buf, body); err != nil {
		return nil, &adapter.ToolError{Msg: "The upstream sent a body marked as JSON that is not valid JSON."}
	}
	out := buf.Bytes()
	if out[0] == '{' {
		return &adapter.Result{Structured: json.RawMessage(out), Rows: 1}, nil
	}
	rows := 1
	if out[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(out, &items) == nil {
			rows = len(items)
		}
	}
	wrapped := make([]byte, 0, len(out)+9)
	wrapped = append(append(append(wrapped, `{"body":`...), out...), '}')
	return &adapter.Result{Structured: json.RawMessage(wrapped), Rows: rows}, nil
}

// shape evaluates the result expression over the response.
func (t *Tool) shape(resp *http.Response, body any, call *adapter.Call) (*adapter.Result, error) {
	headers := make(map[string]any, len(resp.Header))
	for k, vs := range resp.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	response := map[string]any{"status": int64(resp.StatusCode), "headers": headers, "body": body}
	v, err := t.result.Eval(map[string]any{"args": call.Args, "binds": call.Binds, "response": response})
	if err != nil {
		return nil, fmt.Errorf("http tool %s: result: %w", t.name, err)
	}
	if m, ok := v.(map[string]any); ok {
		return &adapter.Result{Structured: m, Rows: 1}, nil
	}
	return &adapter.Result{Structured: map[string]any{"result": v}, Rows: 1}, nil
}

var errTooLarge = errors.New("response body over the cap")

// readCapped reads at most limit bytes; one more means the body is larger,
// and the rest is never read.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge
	}
	return body, nil
}

func jsonMedia(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// clientErrorText is the tool error for a 4xx: the status and a short,
// single-line summary of what the upstream said, with the source's own
// header values scrubbed out.
func (t *Tool) clientErrorText(resp *http.Response, body []byte) string {
	msg := fmt.Sprintf("The upstream %s service rejected the request: %s", t.src.name, statusText(resp.StatusCode))
	summary := ""
	if jsonMedia(resp.Header.Get("Content-Type")) {
		if v, err := celjson.Decode(body); err == nil {
			summary = messageOf(v)
		}
	} else if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/plain" || mt == "" {
		summary = string(body)
	}
	summary = trimSummary(t.src.scrub.text(summary))
	if summary == "" {
		return msg + "."
	}
	return msg + ": " + summary
}

// messageOf finds the human part of a JSON error body, under the names
// APIs commonly use.
func messageOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		for _, k := range []string{"message", "error_description", "detail", "error", "title", "msg"} {
			if m := messageOf(x[k]); m != "" {
				return m
			}
		}
	}
	return ""
}

// trimSummary makes text one short line: whitespace collapsed, control
// characters dropped, cut at summaryLen runes on a valid boundary.
func trimSummary(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < 0x20 || r == ' ' || r == 0x7f }), " ")
	if utf8.RuneCountInString(s) > summaryLen {
		r := []rune(s)
		s = strings.TrimSpace(string(r[:summaryLen])) + "…"
	}
	return s
}

func statusText(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("%d %s", code, text)
	}
	return strconv.Itoa(code)
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
