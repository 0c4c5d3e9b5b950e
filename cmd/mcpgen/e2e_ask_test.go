package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// form is an elicitation handler that fills in the form with content and
// keeps the schemas it was shown.
type form struct {
	content map[string]any
	mu      sync.Mutex
	schemas []any
}

func (f *form) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.schemas = append(f.schemas, req.Params.RequestedSchema)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: f.content}}, nil
}

// TestAsk: the values of a tool's ask blocks come from the user at the
// client, in one form with the confirmation (titled and plain choices, a
// multi-select, bounds, a default), over stdio, an HTTP session and
// protocol 2026-07-28. The model cannot pass them; the server validates
// the answers like arguments before anything runs; the audit trail keeps
// them, a sensitive one redacted.
func TestAsk(t *testing.T) {
	for _, tr := range []struct {
		name  string
		start func(t *testing.T, opts []client.ClientOption, env []string) *server
	}{
		{"stdio", func(t *testing.T, opts []client.ClientOption, env []string) *server {
			return startStdioClient(t, mcp.LATEST_PROTOCOL_VERSION, opts, env, "testdata/e2e/ask.hcl")
		}},
		{"http-2025-11-25", func(t *testing.T, opts []client.ClientOption, env []string) *server {
			return startHTTPClient(t, mcp.ProtocolVersion20251125, nil, opts, env, "--insecure-no-auth", "testdata/e2e/ask.hcl")
		}},
		{"http-2026-07-28", func(t *testing.T, opts []client.ClientOption, env []string) *server {
			return startHTTPClient(t, mcp.ProtocolVersion20260728, nil, opts, env, "--insecure-no-auth", "testdata/e2e/ask.hcl")
		}},
	} {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			auditPath := filepath.Join(dir, "audit.log")
			env := []string{"ASK_DB=file:" + filepath.Join(dir, "ask.db"), "AUDIT_PATH=" + auditPath}
			f := &form{content: map[string]any{"amount": 250, "tags": []any{"late", "wrong"}, "pin": "1234"}}
			s := tr.start(t, []client.ClientOption{client.WithElicitationHandler(f)}, env)

			list, err := s.client.ListTools(context.Background(), mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if props := list.Tools[0].InputSchema.Properties; len(props) != 1 || props["order_id"] == nil {
				t.Errorf("input schema properties %v, want order_id alone: the model never sees an ask", props)
			}
			toolError(t, call(t, s.client, "refund", map[string]any{"order_id": 7, "amount": 9999}), `argument "amount" is unknown`)

			got := ok(t, call(t, s.client, "refund", map[string]any{"order_id": 7}))
			want := map[string]any{"order_id": 7.0, "amount": 250.0, "channel": "card", "tags": `["late","wrong"]`, "note": nil}
			if b, w := jsonString(got), jsonString(want); b != w {
				t.Errorf("refund = %s, want %s", b, w)
			}
			f.mu.Lock()
			schema := jsonString(f.schemas[len(f.schemas)-1])
			f.mu.Unlock()
			for _, part := range []string{
				`"channel":{"default":"card","oneOf":[{"const":"card","title":"Back to the card"},{"const":"credit","title":"Store credit"}],"type":"string"}`,
				`"tags":{"items":{"enum":["damaged","late","wrong"],"type":"string"},"minItems":1,"type":"array"}`,
				`"amount":{"description":"How much to refund.","maximum":10000,"minimum":1,"title":"Amount (cents)","type":"integer"}`,
				`"required":["amount","tags","pin"]`,
			} {
				if !strings.Contains(schema, part) {
					t.Errorf("form %s lacks %s", schema, part)
				}
			}
			rec := lastAudit(t, auditPath, "refund")
			if a := jsonString(rec["answers"]); rec["outcome"] != "ok" || a != `{"amount":250,"channel":"card","note":null,"pin":"[redacted]","tags":["late","wrong"]}` {
				t.Errorf("audit record %v: answers %s", rec, a)
			}

			// Answers are checked like arguments: nothing runs on a bad one.
			for _, bad := range []struct {
				content map[string]any
				want    string
			}{
				{map[string]any{"amount": 0, "tags": []any{"late"}, "pin": "1234"}, `"amount" must be at least 1`},
				{map[string]any{"amount": 5, "tags": []any{"lost"}, "pin": "1234"}, `"tags"`},
				{map[string]any{"amount": 5, "tags": []any{"late"}, "pin": "12a4"}, `"pin"`},
				{map[string]any{"amount": 5, "tags": []any{"late"}, "pin": "1234", "order_id": 8}, `"order_id" is unknown`},
			} {
				f.mu.Lock()
				f.content = bad.content
				f.mu.Unlock()
				toolError(t, call(t, s.client, "refund", map[string]any{"order_id": 8}), "the user's answers are not valid", bad.want, "Nothing was run")
				if rec := lastAudit(t, auditPath, "refund"); rec["outcome"] != "invalid" || rec["error_class"] != "answers" {
					t.Errorf("audit record %v, want invalid answers", rec)
				}
			}
			if strings.Contains(readAll(t, auditPath), "12a4") {
				t.Error("a sensitive answer reached the audit trail")
			}
		})
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	return strings.Join(readLines(t, path), "\n")
}
