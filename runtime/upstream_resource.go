package runtime

import "github.com/mark3labs/mcp-go/mcp"

// embeddedContents are the contents of a resource read from an upstream
// MCP server (its adapter answers with embedded resources), under uri,
// the URI the caller read: the upstream's own URI is its business. ok is
// false for any other answer (a query's JSON).
func embeddedContents(res *mcp.CallToolResult, uri string) ([]mcp.ResourceContents, bool) {
	if res.StructuredContent != nil || len(res.Content) == 0 {
		return nil, false
	}
	out := make([]mcp.ResourceContents, 0, len(res.Content))
	for _, c := range res.Content {
		e, ok := c.(mcp.EmbeddedResource)
		if !ok {
			return nil, false
		}
		switch r := e.Resource.(type) {
		case mcp.TextResourceContents:
			r.URI = uri
			out = append(out, r)
		case mcp.BlobResourceContents:
			r.URI = uri
			out = append(out, r)
		default:
			return nil, false
		}
	}
	return out, true
}
