package http

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Decode diagnostics are fixture files: testdata/invalid/http_*.hcl at the
// repository root, run by cmd/mcpgen's TestInvalidFixtures. What a want
// comment cannot say is that no diagnostic repeats a header's value.
func TestHeaderDiagnosticsHideValues(t *testing.T) {
	t.Setenv("MCPGEN_TEST_HTTP_BAD_HEADER", "s3cret\nvalue")
	for _, headers := range []string{
		`{ "X-Key" = env("MCPGEN_TEST_HTTP_BAD_HEADER") }`,
		`{ "X-Key" = "s3cret\r\nX-Evil: 1" }`,
		`{ "X Key" = "s3cret" }`,
		`{ Host = "s3cret" }`,
		`{ "x-key" = "s3cret-a", "X-Key" = "s3cret-b" }`,
	} {
		t.Run(headers, func(t *testing.T) {
			_, _, diags := decodeConfig(t, fmt.Sprintf("source \"http\" \"api\" {\n  base_url = \"http://h\"\n  headers = %s\n}\n", headers))
			if !diags.HasErrors() {
				t.Fatalf("got no diagnostics, want one")
			}
			if strings.Contains(diags.Error(), "s3cret") {
				t.Errorf("a diagnostic repeats a header value: %s", diags)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string // an HCL expression
		tool    string // inside tool "t" { }
		want    map[string]string
	}{
		{name: "GET with query and headers", baseURL: `"https://inventory.internal/api/"`, tool: `param "sku" { type = "string" }
param "note" {
  type     = "string"
  required = false
}
bind "org" { from = "principal.claims.org" }
method = "GET"
path   = "/v1/stock/{sku}"
query {
  note = "has(args.note) ? args.note : null"
  org  = "binds.org"
}
headers {
  x-request-note = "'mcpgen'"
}`, want: map[string]string{
			"method":                "GET",
			"url":                   "https://inventory.internal/api/v1/stock/{sku}",
			"query.note":            "has(args.note) ? args.note : null",
			"query.org":             "binds.org",
			"header.X-Request-Note": "'mcpgen'",
		}},
		{name: "POST with body, result and retry_unsafe", baseURL: `"http://127.0.0.1:8081"`, tool: `param "sku" { type = "string" }
param "qty" { type = "integer" }
method       = "POST"
path         = "/v1/reservations"
body         = "{'sku': args.sku, 'qty': args.qty}"
result       = <<-CEL
  {'id': response.body.id}
CEL
retry_unsafe = true`, want: map[string]string{
			"method":       "POST",
			"url":          "http://127.0.0.1:8081/v1/reservations",
			"body":         "{'sku': args.sku, 'qty': args.qty}",
			"result":       "{'id': response.body.id}",
			"retry_unsafe": "true",
		}},
		{name: "base_url from env() is named, not shown", baseURL: `env("MCPGEN_TEST_DESCRIBE_URL", "http://127.0.0.1:8081")`, tool: `method = "GET"
path   = "/v1/stock"`, want: map[string]string{
			"method": "GET",
			"url":    `${env("MCPGEN_TEST_DESCRIBE_URL", "http://127.0.0.1:8081")}/v1/stock`,
		}},
	}
	t.Setenv("MCPGEN_TEST_DESCRIBE_URL", "https://internal-host.example")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The source's own header is a credential: Describe never shows it.
			text := fmt.Sprintf("source \"http\" \"api\" {\n  base_url = %s\n  headers = { Authorization = \"Bearer s3cret\" }\n}\n"+
				"tool \"t\" {\n  source = source.http.api\n%s\n}\n", tt.baseURL, tt.tool)
			_, tools, diags := decodeConfig(t, text)
			if diags.HasErrors() {
				t.Fatalf("decode: %s", diags)
			}
			if got := tools["t"].Describe(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Describe() = %#v, want %#v", got, tt.want)
			}
		})
	}
}
