package hcl

import (
	"reflect"
	"testing"
)

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		in         string
		names, bad []string
		args       map[string]string
		expanded   string
	}{
		{"no placeholders", nil, nil, nil, "no placeholders"},
		{"order {{order_id}}, again {{ order_id }}", []string{"order_id", "order_id"}, nil,
			map[string]string{"order_id": "1042"}, "order 1042, again 1042"},
		{"{{a}}{{b}}", []string{"a", "b"}, nil, map[string]string{"a": "x"}, "x"},
		{"{{ a-b }} {{}} {{1x}}", nil, []string{"{{ a-b }}", "{{}}", "{{1x}}"}, nil, "  "},
		{"{single} ${not_hcl}", nil, nil, nil, "{single} ${not_hcl}"},
	}
	for _, tt := range tests {
		names, bad := Placeholders(tt.in)
		if !reflect.DeepEqual(names, tt.names) || !reflect.DeepEqual(bad, tt.bad) {
			t.Errorf("Placeholders(%q): got %q %q, want %q %q", tt.in, names, bad, tt.names, tt.bad)
		}
		if got := Expand(tt.in, tt.args); got != tt.expanded {
			t.Errorf("Expand(%q): got %q, want %q", tt.in, got, tt.expanded)
		}
	}
}

func TestLoadPrimitives(t *testing.T) {
	cfg, diags := Load([]string{"../examples/conformance.hcl"})
	if len(diags) > 0 {
		t.Fatalf("Load: %s", diagText(diags))
	}
	if len(cfg.Tools) != 11 || len(cfg.Resources) != 4 || len(cfg.Prompts) != 4 {
		t.Fatalf("got %d tools, %d resources, %d prompts; want 11, 4, 4", len(cfg.Tools), len(cfg.Resources), len(cfg.Prompts))
	}
	errTool, mixed := cfg.Tools[5], cfg.Tools[4]
	bin, tmpl := cfg.Resources[1], cfg.Resources[3]
	args := cfg.Prompts[1].Arguments
	checks := []struct {
		name      string
		got, want any
	}{
		{"is_error", errTool.IsError, true},
		{"content kinds", []ContentKind{mixed.Content[0].Kind, mixed.Content[1].Kind, mixed.Content[2].Kind}, []ContentKind{ContentText, ContentImage, ContentResource}},
		{"inline resource", mixed.Content[2].Inline, true},
		{"png from filebase64", mixed.Content[1].Data[:8], "iVBORw0K"},
		{"blob", []any{bin.IsBlob, bin.MimeType, bin.Blob[:8]}, []any{true, "image/png", "iVBORw0K"}},
		{"template", []any{tmpl.IsTemplate(), tmpl.URITemplate, tmpl.MimeType}, []any{true, "test://template/{id}/data", "application/json"}},
		{"template query", []any{tmpl.Query.Name, tmpl.Query.ReadOnly, tmpl.Query.Source.Key(), tmpl.Query.Params[0].Name}, []any{"resource:template_data", true, "sql.fixtures", "id"}},
		{"arguments", []any{args[0].Name, args[0].Required, args[1].Name}, []any{"arg1", true, "arg2"}},
		{"queries", len(cfg.Queries()), 12},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}
