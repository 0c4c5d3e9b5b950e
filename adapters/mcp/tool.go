package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/adapters/internal/resilience"
	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

var (
	_ adapter.Tool      = (*Tool)(nil)
	_ adapter.Describer = (*Tool)(nil)
)

// Tool re-exposes one upstream tool under a declared name: the caller's
// validated arguments and the bound values are its arguments, by name.
type Tool struct {
	src      *Source
	name     string
	upstream string
	// retryable: read-only or idempotent, so an attempt that may have
	// reached the upstream can be made again.
	retryable bool
	params    []*cfg.Param
	binds     []*cfg.Bind
	declRange hcl.Range
	// resource: upstream is the URI of an upstream resource, read by
	// resources/read (resource.go), not a tool.
	resource bool
	// prompt: upstream is the name of an upstream prompt, got by
	// prompts/get (prompt.go).
	prompt bool
}

// key names the upstream definition t is built on, among the source's
// definitions and in the lock file: a tool's name, or "resource:" and a
// resource's URI.
func (t *Tool) key() string {
	switch {
	case t.resource:
		return cfg.ResourceQueryPrefix + t.upstream
	case t.prompt:
		return cfg.PromptPrefix + t.upstream
	}
	return t.upstream
}

var toolSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "upstream_tool", Required: true}},
}

// upstreamName is an MCP tool name (2025-11-25: 1 to 128 characters of
// A-Z a-z 0-9 _ - .).
func validUpstreamName(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// DecodeTool decodes upstream_tool. Every param and bind is an argument of
// the upstream tool under its own name; whether the upstream takes them is
// checked against its schema when the source opens. It does no I/O.
func (s *Source) DecodeTool(tool *cfg.Tool) (adapter.Tool, hcl.Diagnostics) {
	t := &Tool{src: s, name: tool.Name, retryable: tool.ReadOnly || tool.Idempotent,
		params: tool.Params, binds: tool.Binds, declRange: tool.DeclRange}
	if strings.HasPrefix(tool.Name, cfg.ResourceQueryPrefix) {
		return s.decodeResource(t, tool)
	}
	if strings.HasPrefix(tool.Name, cfg.PromptPrefix) {
		return s.decodePrompt(t, tool)
	}
	content, diags := tool.Body.Content(toolSchema)
	if attr, ok := content.Attributes["upstream_tool"]; ok {
		v, ds := cfg.PublicStringAttr(attr, tool.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if !validUpstreamName(v) {
				diags = append(diags, cfg.AttrError(attr, "Invalid upstream_tool",
					"upstream_tool must be an MCP tool name (1 to 128 letters, digits, _, - or .), not %q.", v))
			}
			t.upstream = v
		}
	}
	if !diags.HasErrors() {
		s.tools = append(s.tools, t)
	}
	return t, diags
}

// OutputSchema is nil: the upstream's answer passes through as it came,
// and its schema is the upstream's, which is read at run time.
func (t *Tool) OutputSchema() map[string]any { return nil }

// Describe says what the tool calls, for reviewers.
func (t *Tool) Describe() map[string]string {
	d := map[string]string{"upstream_tool": t.upstream}
	if t.resource {
		d = map[string]string{"upstream_resource": t.upstream}
	}
	if t.prompt {
		d = map[string]string{"upstream_prompt": t.upstream}
	}
	if t.src.url != "" {
		d["url"] = t.src.urlText
	} else {
		d["command"] = strings.Join(append([]string{t.src.command}, t.src.args...), " ")
	}
	return d
}

// Call sends the call upstream behind the source's breaker, retrying
// attempts that failed before the upstream could answer.
func (t *Tool) Call(ctx context.Context, call *adapter.Call) (*adapter.Result, error) {
	s := t.src
	if s.breaker == nil {
		return nil, errors.New("mcp source " + s.key + " is not open")
	}
	ok, probe, wait := s.breaker.Allow(s.now())
	if !ok {
		return nil, &adapter.ToolError{Msg: fmt.Sprintf(
			"The upstream MCP server behind this tool is failing; calls to it are paused for %s. Try again later.", roundUp(wait))}
	}
	res, o, err := t.attempt(ctx, call)
	s.breaker.Done(s.now(), probe, o)
	return res, err
}

// maxToolErrorBytes caps an upstream tool error's text.
const maxToolErrorBytes = 2048

func roundUp(d time.Duration) time.Duration { return (d + time.Second - 1).Truncate(time.Second) }

func (t *Tool) attempt(ctx context.Context, call *adapter.Call) (*adapter.Result, resilience.Outcome, error) {
	s := t.src
	args := make(map[string]any, len(call.Args)+len(call.Binds))
	for k, v := range call.Args {
		args[k] = v
	}
	for k, v := range call.Binds {
		args[k] = v
	}
	sessionRetried := false
	var lastErr error
	for n := 1; ; n++ {
		call.Upstream.Attempts++
		sent := false
		sess, err := s.session(ctx)
		if err == nil {
			if why := s.unavailable(t.name); why != "" {
				return nil, resilience.Healthy, &adapter.ToolError{Msg: why}
			}
			sent = true
			var a answer
			a, err = t.send(ctx, sess, args)
			if err == nil {
				return a.out, resilience.Healthy, a.err
			}
			var te *transport.Error
			if !errors.As(err, &te) && ctx.Err() == nil {
				// The upstream answered with a JSON-RPC error. Its message
				// is for the operator: it may name upstream internals.
				s.log.Warn().Str("request_id", call.RequestID).Str("tool", t.name).Str("upstream_tool", t.upstream).
					Err(err).Msg("the upstream MCP server answered the call with an error")
				return nil, resilience.Healthy, &adapter.ToolError{Msg: "The upstream MCP server refused the call (" + rpcErrorKind(err) + ")."}
			}
			s.drop(sess, err)
			if errors.Is(err, transport.ErrSessionTerminated) && !sessionRetried {
				// The upstream forgot the session (it restarted): the
				// call never ran. A new session, then the same attempt.
				sessionRetried = true
				n--
				continue
			}
		}
		if ctx.Err() != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, resilience.Unhealthy, ctx.Err()
			}
			return nil, resilience.Unknown, ctx.Err()
		}
		lastErr = err
		if n >= s.retry.Attempts || sent && !t.retryable {
			if !sent { // down, or restarting: say so, the cause is logged
				s.log.Warn().Str("request_id", call.RequestID).Str("tool", t.name).Err(lastErr).Msg("no session with the upstream MCP server")
				return nil, resilience.Unhealthy, &adapter.ToolError{Msg: "The upstream MCP server behind this tool cannot be reached now; try again later."}
			}
			return nil, resilience.Unhealthy, fmt.Errorf("mcp source %s, upstream tool %s: %w", s.key, t.upstream, lastErr)
		}
		timer := time.NewTimer(s.retry.Wait(n, nil))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, resilience.Unhealthy, ctx.Err()
		case <-timer.C:
		}
	}
}

// answer is what the upstream answered, made ours: a result, or the
// error it is to the caller (too large, an upstream tool error).
type answer struct {
	out *adapter.Result
	err error
}

// send asks the upstream; its error is the exchange's (the upstream did
// not answer, or answered with a JSON-RPC error).
func (t *Tool) send(ctx context.Context, sess *session, args map[string]any) (answer, error) {
	if t.resource {
		return t.read(ctx, sess)
	}
	if t.prompt {
		return t.get(ctx, sess, args)
	}
	req := mcpgo.CallToolRequest{}
	req.Params.Name = t.upstream
	req.Params.Arguments = args
	res, err := sess.client.CallTool(ctx, req)
	if err != nil {
		return answer{}, err
	}
	out, err := t.result(res)
	return answer{out, err}, nil
}

// rpcErrorKind names a JSON-RPC error by its class, never its message.
func rpcErrorKind(err error) string {
	switch {
	case errors.Is(err, mcpgo.ErrInvalidParams):
		return "invalid arguments"
	case errors.Is(err, mcpgo.ErrMethodNotFound):
		return "unknown method"
	case errors.Is(err, mcpgo.ErrInvalidRequest):
		return "invalid request"
	case errors.Is(err, mcpgo.ErrResourceNotFound):
		return "not found"
	}
	return "internal error"
}

// result passes the upstream's answer through: its content blocks and
// structuredContent as they came, within max_result_bytes. An upstream
// tool error is the upstream tool's message to the model.
func (t *Tool) result(res *mcpgo.CallToolResult) (*adapter.Result, error) {
	blocks := res.Content
	if blocks == nil {
		blocks = []mcpgo.Content{}
	}
	content, err := json.Marshal(blocks)
	if err != nil {
		return nil, fmt.Errorf("encoding the upstream's content: %w", err)
	}
	if size := int64(len(content) + len(res.RawStructuredContent)); size > t.src.maxBytes {
		return nil, &adapter.ToolError{Msg: fmt.Sprintf(
			"The upstream tool's answer (%d bytes) is larger than the %d bytes this server passes on; narrow the request.", size, t.src.maxBytes)}
	}
	if res.IsError {
		var parts []string
		for _, c := range res.Content {
			if tc, ok := c.(mcpgo.TextContent); ok {
				parts = append(parts, tc.Text)
			}
		}
		msg := strings.Join(parts, "\n")
		if msg == "" {
			msg = "(no message)"
		}
		if len(msg) > maxToolErrorBytes { // a stack trace is not for the model
			msg = strings.ToValidUTF8(msg[:maxToolErrorBytes], "") + " [cut]"
		}
		return nil, &adapter.ToolError{Msg: "The upstream tool answered with an error: " + msg}
	}
	out := &adapter.Result{Content: content, Rows: len(blocks)}
	if raw := res.RawStructuredContent; len(raw) > 0 {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil, errors.New("the upstream's structuredContent is not a JSON object")
		}
		out.Structured = json.RawMessage(raw)
	}
	return out, nil
}

// compatible checks the tool's params and binds against the upstream
// tool's input schema: every one is an argument it takes, of a type it
// takes, and every argument it requires is one of them.
func (t *Tool) compatible(d *definition) []string {
	var problems []string
	props := d.properties
	have := map[string]bool{}
	for _, p := range t.params {
		have[p.Name] = p.Required || p.Default != nil
		prop, ok := props[p.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("param %q is not an argument of upstream tool %q (it takes %s)", p.Name, t.upstream, names(props)))
			continue
		}
		if want := schemaTypes(prop); len(want) > 0 && !typeFits(string(p.Type), want) {
			problems = append(problems, fmt.Sprintf("param %q is %s, and upstream tool %q takes %s", p.Name, p.Type, t.upstream, strings.Join(want, " or ")))
		}
	}
	for _, b := range t.binds {
		have[b.Name] = true
		if _, ok := props[b.Name]; !ok {
			problems = append(problems, fmt.Sprintf("bind %q is not an argument of upstream tool %q (it takes %s)", b.Name, t.upstream, names(props)))
		}
	}
	for _, r := range d.required {
		if !have[r] {
			problems = append(problems, fmt.Sprintf("upstream tool %q requires argument %q: declare a required param or a bind named %q", t.upstream, r, r))
		}
	}
	return problems
}

func names(props map[string]any) string {
	if len(props) == 0 {
		return "no arguments"
	}
	return strings.Join(sortedKeys(props), ", ")
}

func schemaTypes(prop any) []string {
	m, ok := prop.(map[string]any)
	if !ok {
		return nil
	}
	switch v := m["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// typeFits says whether values of our param type are valid for an
// upstream property of one of the types want.
func typeFits(ours string, want []string) bool {
	for _, w := range want {
		if w == ours || ours == "integer" && w == "number" {
			return true
		}
	}
	return false
}
