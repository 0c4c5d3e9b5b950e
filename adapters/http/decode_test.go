package http

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestDecodeSourceDiagnostics(t *testing.T) {
	tests := []struct {
		name string
		body string // inside source "http" "api" { }, which starts on line 1
		want string // a substring of the one diagnostic; "" for none
		at   string // line:col of its subject
	}{
		{name: "minimal", body: `base_url = "http://127.0.0.1:8081"`},
		{name: "everything", body: `base_url = "https://inventory.internal/api/"
headers = { Authorization = "Bearer t0ken-t0ken", "X-Api-Key" = "k" }
timeout = "3s"
max_response_bytes = "512KB"
redirects = "same_host"
ping_path = "/healthz"
tls {
  ca_file = "ca.pem"
  cert_file = "client.pem"
  key_file = "client.key"
  min_version = "1.3"
}
retry {
  attempts = 4
  backoff = "50ms"
  max_backoff = "1s"
  statuses = [429, 502, 503]
  jitter = 0.2
}
circuit_breaker {
  failures = 3
  open_for = "10s"
  half_open_probes = 2
}`},
		{name: "missing base_url", body: `timeout = "1s"`, want: `The argument "base_url" is required`},
		{name: "base_url not http", body: `base_url = "ftp://x"`, want: "must start with http:// or https://", at: "2:12"},
		{name: "base_url without host", body: `base_url = "http:///x"`, want: "must name a host", at: "2:12"},
		{name: "base_url with credentials", body: `base_url = "https://u:p@h"`, want: "must not carry credentials", at: "2:12"},
		{name: "base_url with query", body: `base_url = "https://h/?a=1"`, want: "must not have a query", at: "2:12"},
		{name: "base_url with dot segments", body: `base_url = "https://h/a/../b"`, want: "must not contain . or ..", at: "2:12"},
		{name: "headers not a map", body: `base_url = "http://h"
headers = "Authorization: x"`, want: "headers must be a map", at: "3:11"},
		{name: "header name invalid", body: `base_url = "http://h"
headers = { "X Bad" = "v" }`, want: `"X Bad" is not a valid HTTP header name`, at: "3:11"},
		{name: "reserved header", body: `base_url = "http://h"
headers = { Host = "evil" }`, want: "Host is set by the HTTP client itself", at: "3:11"},
		{name: "duplicate header", body: `base_url = "http://h"
headers = { "x-key" = "a", "X-Key" = "b" }`, want: "X-Key is set twice", at: "3:11"},
		{name: "header value with a line break", body: `base_url = "http://h"
headers = { "X-Key" = "a\r\nX-Evil: 1" }`, want: "contains a line break", at: "3:11"},
		{name: "header value from env never echoed", body: `base_url = "http://h"
headers = { "X-Key" = env("MCPGEN_TEST_HTTP_BAD_HEADER") }`, want: "The value of header X-Key contains a line break or another control character."},
		{name: "zero timeout", body: `base_url = "http://h"
timeout = "0s"`, want: "timeout must be longer than zero", at: "3:11"},
		{name: "bad size", body: `base_url = "http://h"
max_response_bytes = "lots"`, want: `max_response_bytes must be a number of bytes or a size such as "512KB"`, at: "3:22"},
		{name: "bad redirect policy", body: `base_url = "http://h"
redirects = "all"`, want: `redirects must be "none" or "same_host", not "all"`, at: "3:13"},
		{name: "ping_path without slash", body: `base_url = "http://h"
ping_path = "health"`, want: "ping_path must be a path starting with /", at: "3:13"},
		{name: "tls on http", body: `base_url = "http://h"
tls {}`, want: "TLS settings on a plain HTTP source", at: "3:1"},
		{name: "cert without key", body: `base_url = "https://h"
tls {
  cert_file = "c.pem"
}`, want: "cert_file and key_file go together", at: "3:1"},
		{name: "bad tls version", body: `base_url = "https://h"
tls {
  min_version = "1.0"
}`, want: `min_version must be "1.2" or "1.3", not "1.0"`, at: "4:17"},
		{name: "attempts out of range", body: `base_url = "http://h"
retry {
  attempts = 0
}`, want: "attempts must be between 1 and 10", at: "4:14"},
		{name: "max_backoff below backoff", body: `base_url = "http://h"
retry {
  backoff = "1s"
  max_backoff = "10ms"
}`, want: "max_backoff (10ms) is shorter than backoff (1s)", at: "5:17"},
		{name: "status not retryable", body: `base_url = "http://h"
retry {
  statuses = [404]
}`, want: "statuses must be a list of HTTP statuses from 408, 425, 429 and 500 to 599", at: "4:14"},
		{name: "jitter out of range", body: `base_url = "http://h"
retry {
  jitter = 2
}`, want: "jitter must be a number from 0", at: "4:12"},
		{name: "breaker failures zero", body: `base_url = "http://h"
circuit_breaker {
  failures = 0
}`, want: "failures must be between 1 and 1000", at: "4:14"},
		{name: "two retry blocks", body: `base_url = "http://h"
retry {}
retry {}`, want: "Duplicate retry block", at: "4:1"},
		{name: "unknown attribute", body: `base_url = "http://h"
proxy = "http://p"`, want: `An argument named "proxy" is not expected here`, at: "3:1"},
	}
	t.Setenv("MCPGEN_TEST_HTTP_BAD_HEADER", "s3cret\nvalue")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := fmt.Sprintf("source \"http\" \"api\" {\n%s\n}\n", tt.body)
			_, _, diags := decodeConfig(t, text)
			checkDiag(t, diags, tt.want, tt.at)
			if strings.Contains(diags.Error(), "s3cret") {
				t.Errorf("a diagnostic echoes a header value: %s", diags)
			}
		})
	}
}

func TestDecodeToolDiagnostics(t *testing.T) {
	tests := []struct {
		name    string
		tool    string // inside tool "t" { }, whose body starts on line 7
		want    string
		at      string
		warning bool
	}{
		{name: "ok", tool: `param "sku" { type = "string" }
method = "GET"
path = "/v1/stock/{sku}"`},
		{name: "everything", tool: `param "sku" { type = "string" }
param "qty" { type = "integer" }
param "note" {
  type = "string"
  required = false
}
bind "org" { from = "principal.claims.org" }
method = "POST"
path = "/v1/orgs/{org}/reservations"
query {
  note = "has(args.note) ? args.note : null"
}
headers {
  X-Sku = "args.sku"
}
body = "{'sku': args.sku, 'qty': args.qty}"
result = "{'id': response.body.id, 'status': response.status}"
retry_unsafe = true`},
		{name: "missing method", tool: `path = "/x"`, want: `The argument "method" is required`},
		{name: "missing path", tool: `method = "GET"`, want: `The argument "path" is required`},
		{name: "bad method", tool: `method = "get"
path = "/x"`, want: `method must be one of GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE (in capitals), not "get"`, at: "7:10"},
		{name: "undeclared placeholder", tool: `param "sku" { type = "string" }
method = "GET"
path = "/v1/stock/{sku}/{warehouse}"`, want: `{warehouse} is not declared; add a param or bind block named "warehouse"`, at: "9:25"},
		{name: "unclosed brace", tool: `method = "GET"
path = "/v1/{sku"`, want: "this { is not closed", at: "8:13"},
		{name: "placeholder not an identifier", tool: `method = "GET"
path = "/v1/{a-b}"`, want: "{a-b} must name a param or bind", at: "8:13"},
		{name: "query in path", tool: `method = "GET"
path = "/v1/stock?sku=1"`, want: "a path has no query or fragment", at: "8:18"},
		{name: "dot segment in path", tool: `method = "GET"
path = "/v1/../admin"`, want: "must not contain . or .. segments", at: "8:13"},
		{name: "path without slash", tool: `method = "GET"
path = "v1"`, want: "path must start with /", at: "8:9"},
		{name: "space in path", tool: `method = "GET"
path = "/v1/a b"`, want: `" " is not allowed in a URL path`, at: "8:14"},
		{name: "unused param", tool: `param "sku" { type = "string" }
method = "GET"
path = "/v1/stock"`, want: `param "sku" is not used in the request`, at: "7:7"},
		{name: "unused bind", tool: `bind "org" { from = "principal.sub" }
method = "GET"
path = "/v1/stock"`, want: `bind "org" is not used in the request`, at: "7:6"},
		{name: "param used in CEL only", tool: `param "sku" { type = "string" }
method = "GET"
path = "/v1/stock"
query {
  sku = "args.sku"
}`},
		{name: "args as a whole uses every param", tool: `param "sku" { type = "string" }
param "qty" { type = "integer" }
method = "POST"
path = "/v1/orders"
body = "args"`},
		{name: "undeclared arg in CEL", tool: `method = "GET"
path = "/v1/stock"
query {
  sku = "args.skuu"
}`, want: `args.skuu is not declared; add a param block named "skuu"`, at: "10:9"},
		{name: "undeclared bind in CEL", tool: `method = "GET"
path = "/v1/stock"
headers {
  X-Org = "binds.org"
}`, want: `binds.org is not declared; add a bind block named "org"`, at: "10:11"},
		{name: "CEL does not compile", tool: `method = "POST"
path = "/v1/stock"
body = "{'a': }"`, want: "body does not compile", at: "9:8"},
		{name: "response outside result", tool: `method = "POST"
path = "/v1/stock"
body = "response.body"`, want: "undeclared reference to 'response'", at: "9:8"},
		{name: "body on GET", tool: `method = "GET"
path = "/v1/stock"
body = "{}"`, want: "A GET request has no body", at: "9:8"},
		{name: "array in path", tool: `param "ids" {
  type = "array"
  items = "integer"
}
method = "GET"
path = "/v1/{ids}"`, want: `param "ids" is an array`, at: "12:13"},
		{name: "optional path param", tool: `param "w" {
  type = "string"
  required = false
}
method = "GET"
path = "/v1/{w}"`, want: `param "w" is optional without a default`, at: "12:13"},
		{name: "tool header set by the source", tool: `method = "GET"
path = "/v1/stock"
headers {
  authorization = "'x'"
}`, want: "The source already sets Authorization", at: "10:3"},
		{name: "reserved tool header", tool: `method = "GET"
path = "/v1/stock"
headers {
  Host = "'evil'"
}`, want: "Host is set by the HTTP client itself", at: "10:3"},
		{name: "retry_unsafe on GET", tool: `method = "GET"
path = "/v1/stock"
retry_unsafe = true`, want: "retry_unsafe has no effect", at: "9:1", warning: true},
		{name: "two query blocks", tool: `method = "GET"
path = "/v1/stock"
query {}
query {}`, want: "Duplicate query block", at: "10:1"},
		{name: "unknown attribute", tool: `method = "GET"
path = "/v1/stock"
sql = "SELECT 1"`, want: `An argument named "sql" is not expected here`, at: "9:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := fmt.Sprintf("source \"http\" \"api\" {\n  base_url = \"http://127.0.0.1:1\"\n  headers = { Authorization = \"Bearer x\" }\n}\n\ntool \"t\" {\n%s\n  description = \"d\"\n  source = source.http.api\n}\n", tt.tool)
			_, _, diags := decodeConfig(t, text)
			checkDiag(t, diags, tt.want, tt.at)
			if tt.want != "" && len(diags) == 1 && (diags[0].Severity == hcl.DiagWarning) != tt.warning {
				t.Errorf("severity = %v, want warning %v", diags[0].Severity, tt.warning)
			}
		})
	}
}

// checkDiag expects exactly one diagnostic containing want at line:col, or
// none when want is "".
func checkDiag(t *testing.T, diags hcl.Diagnostics, want, at string) {
	t.Helper()
	if want == "" {
		if len(diags) != 0 {
			t.Errorf("diagnostics = %s, want none", diags)
		}
		return
	}
	if len(diags) != 1 {
		t.Fatalf("diagnostics = %s, want one containing %q", diags, want)
	}
	d := diags[0]
	if got := d.Summary + ": " + d.Detail; !strings.Contains(got, want) {
		t.Errorf("diagnostic = %q, want it to contain %q", got, want)
	}
	if at != "" {
		if d.Subject == nil {
			t.Fatalf("diagnostic %q has no subject", d.Detail)
		}
		if got := fmt.Sprintf("%d:%d", d.Subject.Start.Line, d.Subject.Start.Column); got != at {
			t.Errorf("diagnostic at %s, want %s", got, at)
		}
	}
}
