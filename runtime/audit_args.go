package runtime

import (
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"
)

const (
	redacted = "[redacted]"
	// maxAuditRaw bounds what an invalid call puts in the audit trail.
	maxAuditRaw = 4096
)

// forAudit returns validated arguments with sensitive values redacted.
func (t *toolEntry) forAudit(args map[string]any) map[string]any {
	if len(t.sensitive) == 0 {
		return args
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		if t.sensitive[k] && v != nil {
			v = redacted
		}
		out[k] = v
	}
	return out
}

// rawForAudit records what an invalid call sent, as sent, with sensitive
// values redacted and the whole bounded in size.
func (t *toolEntry) rawForAudit(req mcp.CallToolRequest) map[string]any {
	raw := req.Params.RawArguments
	if len(raw) == 0 {
		raw, _ = json.Marshal(req.Params.Arguments)
	}
	if len(raw) > maxAuditRaw {
		return map[string]any{"_truncated_bytes": len(raw)}
	}
	fields, err := decodeArguments(raw)
	if err != nil {
		return map[string]any{"_invalid_json_bytes": len(raw)}
	}
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		if t.sensitive[k] {
			out[k] = redacted
		} else {
			out[k] = v
		}
	}
	return out
}
