package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
)

// resourceNotFound is our answer to reading a URI no resource serves, or
// one the caller may not read: the same for both, so that nobody learns by
// reading which URIs are served to others. It wraps mcp-go's sentinel so
// the error says what it is wherever it surfaces.
type resourceNotFound struct{ uri string }

func (e *resourceNotFound) Error() string {
	return fmt.Sprintf("%s: no resource has the uri %q", server.ErrResourceNotFound, e.uri)
}

func (e *resourceNotFound) Unwrap() error { return server.ErrResourceNotFound }

// readResourceRequest answers resources/read for any resource or template
// on the generation current when the request arrives.
func (s *Server) readResourceRequest(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	ctx, gen, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer s.release(gen)
	return s.calls.readResource(ctx, gen, req.Params.URI)
}

// readResource reads uri from gen's resources, as an embedded resource in
// a prompt or a tool's content is read. Every read is audited: a resource
// with fixed content as "resource:NAME", one backed by a query by its
// call, and a URI no resource serves with the uri in args.
func (cp *callPath) readResource(ctx context.Context, gen *Generation, uri string) ([]mcp.ResourceContents, error) {
	e, vars := gen.findResource(uri)
	if e == nil {
		cp.refuseUnknown(ctx, "", map[string]any{"uri": uri})
		return nil, &resourceNotFound{uri}
	}
	return cp.readEntry(ctx, e, uri, vars)
}

// readEntry reads one resource. A resource backed by a query runs through
// the tools/call path: validation, guard, binds, timeout, audit, metrics.
func (cp *callPath) readEntry(ctx context.Context, e *resourceEntry, uri string, vars map[string]string) ([]mcp.ResourceContents, error) {
	d := e.decl
	if e.query == nil {
		return cp.readStatic(ctx, e, uri)
	}
	args := make(map[string]any, len(vars))
	for _, p := range e.query.decl.Params {
		if v, ok := vars[p.Name]; ok {
			args[p.Name] = templateValue(p.Type, v)
		}
	}
	res, err := cp.callQuery(ctx, e.query, args)
	if errors.Is(err, errHidden) {
		return nil, &resourceNotFound{uri}
	}
	if err != nil {
		return nil, err
	}
	if contents, ok := embeddedContents(res, uri); ok {
		return contents, nil
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: d.MimeType, Text: string(res.RawStructuredContent)}}, nil
}

// readStatic reads a resource with fixed content. It has one read only,
// so its guard is evaluated as it stands (args is empty): a caller it
// denies could never read it, and is answered as for an unknown URI.
func (cp *callPath) readStatic(ctx context.Context, e *resourceEntry, uri string) ([]mcp.ResourceContents, error) {
	d := e.decl
	start := time.Now()
	rec := cp.record(ctx, e.access.decl.Name)
	defer cp.finish(rec, start)
	if _, err := e.access.authorize(ctx, nil); err != nil {
		cp.hidden(callLog{log: cp.log, id: rec.RequestID, tool: rec.Tool}, rec, nil, e.access.whyHidden(ctx))
		return nil, &resourceNotFound{uri}
	}
	rec.Outcome = audit.OK
	if d.IsBlob {
		rec.Bytes = base64DecodedLen(d.Blob)
		return []mcp.ResourceContents{mcp.BlobResourceContents{URI: uri, MIMEType: d.MimeType, Blob: d.Blob}}, nil
	}
	rec.Bytes = len(d.Text)
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: d.MimeType, Text: d.Text}}, nil
}

// errHidden is what callQuery returns for a query the caller could never
// run: its caller answers as if the resource or completion did not exist.
var errHidden = errors.New("hidden from the caller")

// callQuery runs the query behind a resource or a completion through the
// tools/call path (validation, guard, binds, limits, timeout, audit,
// metrics); a tool error comes back as a *ToolError.
func (cp *callPath) callQuery(ctx context.Context, q *toolEntry, args map[string]any) (*mcp.CallToolResult, error) {
	var req mcp.CallToolRequest
	req.Params.Name = q.decl.Name
	req.Params.Arguments = args
	res, hidden := cp.call(ctx, q, req)
	if hidden {
		return nil, errHidden
	}
	if res.IsError {
		return nil, &adapter.ToolError{Msg: resultText(res)}
	}
	return res, nil
}

// templateValue turns a URI variable into the JSON value its param
// expects when the text is one (42 for an integer); otherwise the text
// stays a string and validation says what is wrong with it. An integer
// must be written as one, in decimal digits: 1.002e3, 1002.0 and +1002
// are other texts for 1002, and a URI names one thing.
func templateValue(t cfg.ParamType, v string) any {
	switch t {
	case cfg.TypeString:
		return v
	case cfg.TypeInteger:
		if !canonicalInteger(v) {
			return v
		}
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil || dec.More() {
		return v
	}
	switch out.(type) {
	case json.Number, bool:
		return out
	}
	return v
}

// canonicalInteger reports whether s is an integer written the one way
// strconv.FormatInt writes it: an optional minus and digits, no leading
// zero.
func canonicalInteger(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || (len(digits) > 1 && digits[0] == '0') || s == "-0" {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// resultText is the text of a tool result's first content.
func resultText(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return "the call failed"
}

// content turns a declared content item into MCP content, filling in
// {{argument}} placeholders from args and reading an embedded resource
// that has no inline content from gen's resources.
func (cp *callPath) content(ctx context.Context, gen *Generation, c *cfg.Content, args map[string]string) (mcp.Content, error) {
	switch c.Kind {
	case cfg.ContentText:
		return mcp.NewTextContent(cfg.Expand(c.Text, args)), nil
	case cfg.ContentImage:
		return mcp.NewImageContent(c.Data, c.MimeType), nil
	case cfg.ContentAudio:
		return mcp.NewAudioContent(c.Data, c.MimeType), nil
	}
	uri := cfg.Expand(c.URI, args)
	if c.Inline {
		if c.Text == "" && c.Data != "" {
			return mcp.NewEmbeddedResource(mcp.BlobResourceContents{URI: uri, MIMEType: c.MimeType, Blob: c.Data}), nil
		}
		return mcp.NewEmbeddedResource(mcp.TextResourceContents{URI: uri, MIMEType: c.MimeType, Text: cfg.Expand(c.Text, args)}), nil
	}
	contents, err := cp.readResource(ctx, gen, uri)
	var nf *resourceNotFound
	if errors.As(err, &nf) {
		// Said as a tool says what it did not find: the caller may
		// read that much.
		return nil, &adapter.ToolError{Msg: nf.Error()}
	}
	if err != nil {
		return nil, err
	}
	if len(contents) == 0 {
		return nil, &resourceNotFound{uri}
	}
	return mcp.NewEmbeddedResource(contents[0]), nil
}
