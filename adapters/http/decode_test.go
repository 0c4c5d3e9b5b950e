package http

import (
	"fmt"
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
