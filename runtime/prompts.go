package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
)

// maxCompletions is the most values completion/complete may return.
const maxCompletions = 100

// promptHandler answers prompts/get for the prompt named name on the
// generation current when the request arrives. mcp-go's prompt filter
// (visiblePrompts) has let only a prompt the caller may get reach it.
func (s *Server) promptHandler(name string) server.PromptHandlerFunc {
	return func(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		ctx, gen, err := s.enter(ctx)
		if err != nil {
			return nil, err
		}
		defer s.release(gen)
		e := gen.prompt(name)
		if e == nil || !e.access.visible(ctx) {
			// mcp-go found the prompt just before a reload removed it,
			// or hid it from this caller.
			if e != nil {
				s.calls.refuseHidden(ctx, e.access, promptArgsForAudit(req.Params.Arguments))
			}
			return nil, fmt.Errorf("no prompt named %q: the server's configuration was reloaded; list the prompts again", name)
		}
		return s.calls.getPrompt(ctx, gen, e, req.Params.Arguments)
	}
}

// getPrompt checks the arguments and the prompt's guard, and fills in the
// messages. Every get is audited as "prompt:NAME"; an embedded resource
// it reads is audited as a read of its own.
func (cp *callPath) getPrompt(ctx context.Context, gen *Generation, e *promptEntry, args map[string]string) (*mcp.GetPromptResult, error) {
	if e.query != nil {
		return cp.getUpstreamPrompt(ctx, e, args)
	}
	d := e.decl
	start := time.Now()
	rec := cp.record(ctx, e.access.decl.Name)
	rec.Args = promptArgsForAudit(args)
	defer cp.finish(rec, start)
	var problems []string
	for name := range args {
		if !slices.ContainsFunc(d.Arguments, func(a *cfg.PromptArgument) bool { return a.Name == name }) {
			problems = append(problems, fmt.Sprintf("argument %q is not an argument of this prompt", name))
		}
	}
	for _, a := range d.Arguments {
		v, ok := args[a.Name]
		switch {
		case !ok && a.Required:
			problems = append(problems, fmt.Sprintf("missing required argument %q", a.Name))
		case ok && a.Enum != nil && !slices.Contains(a.Enum, v):
			problems = append(problems, fmt.Sprintf("argument %q must be one of %s, got %s", a.Name, quoteList(a.Enum), truncateQuote(v)))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		rec.Outcome, rec.ErrorClass = audit.Invalid, "arguments"
		return nil, fmt.Errorf("invalid arguments for prompt %q: %s", d.Name, strings.Join(problems, "; "))
	}
	guardArgs := make(map[string]any, len(args))
	for k, v := range args {
		guardArgs[k] = v
	}
	if _, err := e.access.authorize(ctx, guardArgs); err != nil {
		cp.log.Info().Str("request_id", rec.RequestID).Str("tool", rec.Tool).Err(err).Msg("prompt denied")
		rec.Outcome, rec.ErrorClass = audit.Denied, "policy"
		return nil, errors.New("permission denied: the server's policy does not allow this prompt with these arguments for this caller")
	}
	res := &mcp.GetPromptResult{Description: d.Description}
	for _, m := range d.Messages {
		c, err := cp.content(ctx, gen, m.Content, args)
		if err != nil {
			rec.Outcome, rec.ErrorClass = audit.Error, "tool"
			return nil, fmt.Errorf("prompt %q: %w", d.Name, err)
		}
		if t, ok := c.(mcp.TextContent); ok {
			rec.Bytes += len(t.Text)
		}
		res.Messages = append(res.Messages, mcp.NewPromptMessage(mcp.Role(m.Role), c))
	}
	rec.Outcome = audit.OK
	return res, nil
}

// promptArgsForAudit records a prompt's arguments as sent, the whole
// bounded in size as an invalid call's are.
func promptArgsForAudit(args map[string]string) map[string]any {
	if len(args) == 0 {
		return nil
	}
	out := make(map[string]any, len(args))
	size := 0
	for k, v := range args {
		size += len(k) + len(v)
		out[k] = v
	}
	if size > maxAuditRaw {
		return map[string]any{"_truncated_bytes": size}
	}
	return out
}

// CompletePromptArgument completes a prompt argument from its enum or its
// completion query.
func (s *Server) CompletePromptArgument(ctx context.Context, name string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	ctx, gen, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer s.release(gen)
	// A prompt the caller may not get is answered as one that does not
	// exist, before anything is said of its arguments.
	e := gen.prompt(name)
	if e == nil || !e.access.visible(ctx) {
		return nil, fmt.Errorf("no prompt named %q", name)
	}
	for _, a := range e.decl.Arguments {
		if a.Name != arg.Name {
			continue
		}
		if q := e.completes[a.Name]; q != nil {
			return s.calls.completeQuery(ctx, q, arg.Value)
		}
		return completeFrom(a.Enum, arg.Value), nil
	}
	return nil, fmt.Errorf("prompt %q has no argument %q", name, arg.Name)
}

// CompleteResourceArgument completes a template variable from its param's
// enum. A template the caller could not read is answered as one that does
// not exist.
func (s *Server) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	gen := s.Generation()
	ctx = gen.caller(ctx)
	for _, e := range gen.resources {
		if e.tmpl == nil || e.decl.URITemplate != uri || !e.visible(ctx) {
			continue
		}
		for _, p := range e.query.decl.Params {
			if p.Name != arg.Name {
				continue
			}
			var values []string
			for _, v := range p.Enum {
				values = append(values, fmt.Sprint(v))
			}
			return completeFrom(values, arg.Value), nil
		}
		return nil, fmt.Errorf("resource template %q has no variable %q", uri, arg.Name)
	}
	return nil, fmt.Errorf("no resource template %q", uri)
}

// completeFrom offers the values that start with prefix, ignoring case.
func completeFrom(values []string, prefix string) *mcp.Completion {
	c := &mcp.Completion{Values: []string{}}
	lower := strings.ToLower(prefix)
	for _, v := range values {
		if strings.HasPrefix(strings.ToLower(v), lower) {
			c.Values = append(c.Values, v)
		}
	}
	c.Total = len(c.Values)
	if len(c.Values) > maxCompletions {
		c.Values, c.HasMore = c.Values[:maxCompletions], true
	}
	return c
}

// completeQuery runs a completion query through the tools/call path (so
// guard, binds, timeout and audit apply) and offers its first column.
func (cp *callPath) completeQuery(ctx context.Context, q *toolEntry, prefix string) (*mcp.Completion, error) {
	res, err := cp.callQuery(ctx, q, map[string]any{"value": prefix})
	if errors.Is(err, errHidden) {
		// A query the caller could never run offers nothing, as an
		// argument without completions does.
		return completeFrom(nil, prefix), nil
	}
	if err != nil {
		return nil, err
	}
	var rows []adapter.Row
	truncated := false
	switch r := res.StructuredContent.(type) {
	case adapter.Rows:
		rows, truncated = r.Rows, r.Truncated
	case *adapter.Rows:
		rows, truncated = r.Rows, r.Truncated
	case adapter.Row:
		rows = []adapter.Row{r}
	case *adapter.Row:
		rows = []adapter.Row{*r}
	}
	c := &mcp.Completion{Values: []string{}}
	for _, r := range rows {
		if len(r.Values) == 0 || r.Values[0] == nil {
			continue
		}
		c.Values = append(c.Values, fmt.Sprint(r.Values[0]))
	}
	if len(c.Values) > maxCompletions {
		c.Values, truncated = c.Values[:maxCompletions], true
	}
	c.HasMore = truncated
	return c, nil
}
