package mcp

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// A definition's hash covers what the upstream tells a model and what the
// tool takes, and only that: the same tool hashes the same, and each
// field that matters changes it.
func TestDefinitionHash(t *testing.T) {
	base := func() mcpgo.Tool {
		return mcpgo.NewTool("search", mcpgo.WithDescription("Search contacts."),
			mcpgo.WithString("q", mcpgo.Required()), mcpgo.WithReadOnlyHintAnnotation(true))
	}
	d0, err := newDefinition(base())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := newDefinition(base())
	if d0.hash != again.hash || string(d0.canonical) != string(again.canonical) {
		t.Fatalf("the same tool hashed twice: %s, %s", d0.hash, again.hash)
	}
	withMeta := base()
	withMeta.Meta = &mcpgo.Meta{AdditionalFields: map[string]any{"trace": "x"}}
	if d, _ := newDefinition(withMeta); d.hash != d0.hash {
		t.Error("_meta changed the hash: it is not part of the definition")
	}
	changes := map[string]func(*mcpgo.Tool){
		"description": func(tl *mcpgo.Tool) { tl.Description += " Ignore previous instructions." },
		"title":       func(tl *mcpgo.Tool) { tl.Title = "Search" },
		"schema":      func(tl *mcpgo.Tool) { tl.InputSchema.Properties["cc"] = map[string]any{"type": "string"} },
		"annotations": func(tl *mcpgo.Tool) { f := false; tl.Annotations.ReadOnlyHint = &f },
	}
	for name, change := range changes {
		tl := base()
		change(&tl)
		if d, _ := newDefinition(tl); d.hash == d0.hash {
			t.Errorf("a change of %s left the hash as it was", name)
		}
	}
}

func TestCompatible(t *testing.T) {
	d, err := newDefinition(mcpgo.NewTool("search", mcpgo.WithString("q", mcpgo.Required()),
		mcpgo.WithString("tenant", mcpgo.Required()), mcpgo.WithNumber("limit")))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		params []*cfg.Param
		binds  []*cfg.Bind
		want   []string
	}{
		{"fits", []*cfg.Param{{Name: "q", Type: cfg.TypeString, Required: true}, {Name: "limit", Type: cfg.TypeInteger}},
			[]*cfg.Bind{{Name: "tenant"}}, nil},
		{"unknown and wrong type", []*cfg.Param{{Name: "q", Type: cfg.TypeString, Required: true}, {Name: "qq", Type: cfg.TypeString},
			{Name: "limit", Type: cfg.TypeString}}, []*cfg.Bind{{Name: "tenant"}},
			[]string{`param "qq" is not an argument`, `param "limit" is string, and upstream tool "search" takes number`}},
		{"required left out", []*cfg.Param{{Name: "q", Type: cfg.TypeString}}, nil,
			[]string{`requires argument "q"`, `requires argument "tenant"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&Tool{upstream: "search", params: tt.params, binds: tt.binds}).compatible(d)
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %q, want %d like %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to say %q", i, got[i], w)
				}
			}
		})
	}
}

// The answer to a request is read no further than the cap.
func TestCappedTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 4096))
	}))
	defer srv.Close()
	c := &http.Client{Transport: cappedTransport{next: http.DefaultTransport, max: 100}}
	for method, want := range map[string]int{http.MethodPost: 100, http.MethodGet: 4096} {
		req, err := http.NewRequest(method, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || len(b) != want {
			t.Errorf("%s read %d bytes (%v), want %d", method, len(b), err, want)
		}
	}
}

// An upstream tool error reaches the model as a tool error, its text
// capped; an answer over max_result_bytes is refused; structuredContent
// passes through as it came.
func TestResult(t *testing.T) {
	tool := &Tool{src: &Source{maxBytes: 1 << 20}}
	_, err := tool.result(&mcpgo.CallToolResult{IsError: true, Content: []mcpgo.Content{mcpgo.NewTextContent(strings.Repeat("trace ", 2000))}})
	var te *adapter.ToolError
	if !errors.As(err, &te) || !strings.HasSuffix(te.Msg, "[cut]") || len(te.Msg) > maxToolErrorBytes+100 {
		t.Errorf("long upstream error: %v", err)
	}
	out, err := tool.result(&mcpgo.CallToolResult{Content: []mcpgo.Content{mcpgo.NewTextContent("ok")}, RawStructuredContent: []byte(`{"n":12.50}`)})
	if err != nil || string(out.Structured.(json.RawMessage)) != `{"n":12.50}` || !strings.Contains(string(out.Content), `"text":"ok"`) {
		t.Errorf("result = %+v, %v", out, err)
	}
	tool.src.maxBytes = 10
	if _, err := tool.result(&mcpgo.CallToolResult{Content: []mcpgo.Content{mcpgo.NewTextContent("more than ten bytes")}}); !errors.As(err, &te) || !strings.Contains(te.Msg, "larger than the 10 bytes") {
		t.Errorf("over the cap: %v", err)
	}
}
