package main

// End-to-end tests of the edges: sensitive values kept out of every
// message, binds checked against their type, URI variables read exactly.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

const (
	edges      = "testdata/e2e/edges.hcl"
	edgesBinds = "testdata/e2e/edges_binds.hcl"
)

func edgeTransports() []struct {
	name  string
	start func(*testing.T, []string, ...string) *server
} {
	return []struct {
		name  string
		start func(*testing.T, []string, ...string) *server
	}{{"stdio", startStdio}, {"http", startHTTP}}
}

// awaitN blocks until n lines containing every want are logged.
func (l *logLines) awaitN(t *testing.T, n int, wants ...string) []string {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		var found []string
		for _, line := range l.lines {
			all := true
			for _, w := range wants {
				all = all && strings.Contains(line, w)
			}
			if all {
				found = append(found, line)
			}
		}
		if len(found) >= n {
			return found
		}
		if l.done {
			t.Fatalf("process stopped logging before %d lines with %q; log:\n%s", n, wants, strings.Join(l.lines, "\n"))
		}
		l.cond.Wait()
	}
}

// TestSensitiveValuesStayOut: a sensitive param's value is in no error
// text a client reads and in no log line, at debug level too, whatever
// rule it breaks; the rule is still named.
func TestSensitiveValuesStayOut(t *testing.T) {
	for _, tr := range edgeTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, nil, edges)
			res := call(t, s.client, "login", map[string]any{"password": "hunter2"})
			toolError(t, res, `argument "password" must be at least 20 characters long`,
				`argument "password" must match the pattern`, `argument "password" must be one of "Correct-horse-battery-staple"`)
			if strings.Contains(text(res), "hunter2") || strings.Contains(text(res), "got") {
				t.Errorf("the error shows the value or what it was: %s", text(res))
			}
			res = call(t, s.client, "login", map[string]any{"password": 84629173})
			toolError(t, res, `argument "password" must be a string, got a number`)
			if strings.Contains(text(res), "84629173") {
				t.Errorf("the error shows the value: %s", text(res))
			}
			s.logs.awaitN(t, 2, `"tool":"login"`, `"outcome":"invalid"`)
			s.logs.awaitN(t, 2, `"invalid arguments"`)
			for _, secret := range []string{"hunter2", "84629173"} {
				if strings.Contains(s.logs.String(), secret) {
					t.Errorf("the log shows %s:\n%s", secret, s.logs)
				}
			}
		})
	}
}

// TestClaimListDenied: a claim that is a list, bound where the statement
// compares one value, denies the call (the tool is hidden: not listed, and
// answered as unknown) and the audit record says which bind and why.
func TestClaimListDenied(t *testing.T) {
	for _, tr := range edgeTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, nil, edges)
			toolNotFound(t, s.client, "orders_of_org", nil)
			line := s.logs.awaitN(t, 1, `"log":"audit"`, `"tool":"orders_of_org"`)[0]
			for _, want := range []string{`"outcome":"denied"`, `"error_class":"policy"`,
				`"reason":"not visible to the caller: bind \"org\": must be a string, a number or a boolean, not a list"`} {
				if !strings.Contains(line, want) {
					t.Errorf("audit record %s lacks %s", line, want)
				}
			}
			list, err := s.client.ListTools(context.Background(), mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, tool := range list.Tools {
				if tool.Name == "orders_of_org" {
					t.Errorf("tools/list offers orders_of_org, which this caller can never call")
				}
			}
		})
	}
}

// TestArrayBind: a bind declared as an array takes a list claim, bound
// as JSON text for json_each; a bind declared as a string takes a string.
func TestArrayBind(t *testing.T) {
	for _, tr := range edgeTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, nil, edges, edgesBinds)
			got := rows(t, ok(t, call(t, s.client, "orders_of_orgs", nil)))
			if len(got) != 2 || got[0]["id"] != float64(1002) || got[1]["id"] != float64(1003) {
				t.Errorf("orders_of_orgs = %v, want acme's 1002 and globex's 1003", got)
			}
			if n := ok(t, call(t, s.client, "team_orders", nil))["n"]; n != float64(3) {
				t.Errorf("team_orders = %v, want 3", n)
			}
		})
	}
}

// TestURIVariablesExact: an integer URI variable is read only when it is
// written as an integer; other spellings of the number are refused.
func TestURIVariablesExact(t *testing.T) {
	for _, tr := range edgeTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, nil, edges)
			res, err := readResource(s.client, "edges://orders/1002")
			if err != nil || len(res.Contents) != 1 {
				t.Fatalf("edges://orders/1002: %v, %v", res, err)
			}
			for _, v := range []string{"1.002e3", "1002.0", "10020e-1", "01002"} {
				if res, err := readResource(s.client, "edges://orders/"+v); err == nil || !strings.Contains(err.Error(), `argument "order_id" must be an integer`) {
					t.Errorf("edges://orders/%s = %v, %v; want an error saying it is not an integer", v, res, err)
				}
			}
		})
	}
}

// TestEnvValuesNotInDiagnostics: validate and serve report an invalid
// issuer or jwks_url read with env() without printing it: env() values
// are secrets, and these URLs can carry a password.
func TestEnvValuesNotInDiagnostics(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "auth.hcl")
	if err := os.WriteFile(conf, []byte(`
auth {
  resource = "http://127.0.0.1:8080/mcp"
  jwt {
    issuer   = env("EDGES_ISSUER")
    jwks_url = env("EDGES_JWKS_URL")
  }
}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDGES_ISSUER", "ftp://admin:hunter2@login.example.com/")
	t.Setenv("EDGES_JWKS_URL", "https://admin:s3cr3t-pw@login.example.com/certs#keys")
	for _, args := range [][]string{{"validate", "--offline", conf}, {"validate", conf}, {"serve", "--stdio", conf}} {
		var stdout, stderr bytes.Buffer
		err := Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
		if code := ExitCode(err, &stderr); code != exitConfig {
			t.Errorf("%v: exit %d, want %d; stderr:\n%s", args, code, exitConfig, stderr.String())
		}
		for _, want := range []string{"issuer must use https", "jwks_url must not have a fragment"} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, stderr.String())
			}
		}
		for _, secret := range []string{"hunter2", "s3cr3t-pw", "admin"} {
			if strings.Contains(stderr.String()+stdout.String(), secret) {
				t.Errorf("%v: the output shows %q:\n%s", args, secret, stderr.String())
			}
		}
	}
}

// edgesUpstream answers /echo/HOW with a 401 whose message echoes the
// Authorization header it got, transformed as HOW says, and /v1/items/KEY
// with the key as the upstream read it, raw and decoded.
func edgesUpstream(t *testing.T) *httptest.Server {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if key, found := strings.CutPrefix(r.URL.EscapedPath(), "/v1/items/"); found {
			json.NewEncoder(w).Encode(map[string]string{"raw": key, "decoded": strings.TrimPrefix(r.URL.Path, "/v1/items/")})
			return
		}
		auth := r.Header.Get("Authorization")
		scheme, cred, _ := strings.Cut(auth, " ")
		var echo string
		switch strings.TrimPrefix(r.URL.Path, "/echo/") {
		case "upper":
			echo = strings.ToUpper(auth)
		case "lower":
			echo = strings.ToLower(auth)
		case "token-upper":
			echo = "token " + strings.ToUpper(cred)
		case "urlencoded":
			echo = "got " + url.QueryEscape(auth)
		case "decoded":
			dec, err := base64.StdEncoding.DecodeString(cred)
			if err != nil {
				echo = "not basic: " + scheme
			} else {
				user, pass, _ := strings.Cut(string(dec), ":")
				echo = "user " + user + " with password " + strings.ToUpper(pass) + " (" + string(dec) + ")"
			}
		}
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"message": "bad credential: " + echo})
	}))
	t.Cleanup(up.Close)
	return up
}

// TestUpstreamEchoScrubbed: an upstream that echoes the server's
// credentials in an error, differently cased, URL-encoded or (Basic)
// decoded, has them scrubbed from the tool error the client reads.
func TestUpstreamEchoScrubbed(t *testing.T) {
	const token, user, password = "tok-Secret-4f9a2c7e", "svc-mcpgen", "Pa55word-77"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	env := []string{"EDGES_UPSTREAM_URL=" + edgesUpstream(t).URL, "EDGES_BEARER_TOKEN=" + token, "EDGES_BASIC_CREDENTIALS=" + basic}
	s := startStdio(t, env, "testdata/e2e/edges_upstream.hcl")
	secrets := []string{token, strings.ToUpper(token), strings.ToLower(token), basic, password, strings.ToUpper(password), user + ":" + password}
	for _, tt := range []struct{ tool, how string }{
		{"echo_bearer", "upper"}, {"echo_bearer", "lower"}, {"echo_bearer", "token-upper"}, {"echo_bearer", "urlencoded"},
		{"echo_basic", "upper"}, {"echo_basic", "lower"}, {"echo_basic", "decoded"}, {"echo_basic", "urlencoded"},
	} {
		res := call(t, s.client, tt.tool, map[string]any{"how": tt.how})
		toolError(t, res, "401 Unauthorized", "bad credential", "[redacted]")
		for _, secret := range secrets {
			if strings.Contains(strings.ToLower(text(res)), strings.ToLower(secret)) {
				t.Errorf("%s %s: the error shows %q: %s", tt.tool, tt.how, secret, text(res))
			}
		}
	}
}

// TestPathValuesEscaped: every reserved character of a path value is
// percent-encoded, so the upstream reads the value that was sent ('+' not
// as a space, '=' and '&' not as syntax).
func TestPathValuesEscaped(t *testing.T) {
	s := startStdio(t, []string{"EDGES_UPSTREAM_URL=" + edgesUpstream(t).URL, "EDGES_BEARER_TOKEN=t", "EDGES_BASIC_CREDENTIALS=b"}, "testdata/e2e/edges_upstream.hcl")
	const key = "a b+c@d$e&f:g=h!i'j(k)l*m,n;o/p?q#r%s[t]u~v"
	got := ok(t, call(t, s.client, "item", map[string]any{"key": key}))
	if got["decoded"] != key {
		t.Errorf("the upstream read %q, want %q", got["decoded"], key)
	}
	raw, _ := got["raw"].(string)
	if want := "a%20b%2Bc%40d%24e%26f%3Ag%3Dh%21i%27j%28k%29l%2Am%2Cn%3Bo%2Fp%3Fq%23r%25s%5Bt%5Du~v"; raw != want {
		t.Errorf("the upstream got the path segment %s, want %s", raw, want)
	}
}

// runCmd runs mcpgen in-process and returns its exit code and output.
func runCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return ExitCode(err, &stderr), stdout.String() + stderr.String()
}

// sqlConfig writes a configuration with one SQL source and one tool that
// reads a table the seed (if any) creates.
func sqlConfig(t *testing.T, dir, driver, dsn, seed string) string {
	t.Helper()
	text := fmt.Sprintf("source \"sql\" \"db\" {\n  driver = %q\n  dsn    = %q\n", driver, dsn)
	if seed != "" {
		text += fmt.Sprintf("  seed   = %q\n", seed)
	}
	text += "}\n\ntool \"orders\" {\n  description = \"Orders.\"\n  source      = source.sql.db\n  sql         = \"SELECT id FROM orders\"\n}\n"
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestValidateSQLiteDSN: validate fails on a SQLite dsn that serve could
// not open (a missing directory, a mode that cannot create the file, an
// option the driver refuses) and creates no file, whatever the dsn; serve
// with a dsn that names no existing database and statements that need one
// fails without leaving an empty database behind.
func TestValidateSQLiteDSN(t *testing.T) {
	const seed = "CREATE TABLE orders (id INTEGER PRIMARY KEY);"
	tests := []struct {
		name, dsn, seed string
		code            int
		want            string
	}{
		{"missing directory", "file:DIR/nodir/x.db", seed, exitConfig, "the directory that would hold it does not exist"},
		{"missing directory, plain path", "DIR/nodir/x.db", "", exitConfig, "the directory that would hold it does not exist"},
		{"path under a file", "DIR/config.hcl/x.db", seed, exitConfig, "the directory that would hold it is not a directory"},
		{"mode=ro on a missing file", "file:DIR/x.db?mode=ro", seed, exitConfig, "mode=ro does not let SQLite create it"},
		{"an option the driver refuses", "DIR/x.db?_txlock=sometimes", seed, exitConfig, "Cannot open the database"},
		{"an unknown vfs", "file:DIR/x.db?vfs=nosuchvfs", seed, exitConfig, "Cannot open the database"},
		{"a missing file, seeded", "file:DIR/x.db", seed, exitOK, "every statement prepared"},
		{"a missing file without a seed", "DIR/x.db", "", exitOK, "Statements not checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := sqlConfig(t, dir, "sqlite", strings.ReplaceAll(tt.dsn, "DIR", dir), tt.seed)
			code, out := runCmd(t, "validate", conf)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("validate: exit %d, want %d with %q:\n%s", code, tt.code, tt.want, out)
			}
			if strings.Contains(out, "x.db") {
				t.Errorf("validate shows the dsn:\n%s", out)
			}
			if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
				t.Errorf("validate left %v (%v) beside the configuration", entries, err)
			}
		})
	}

	t.Run("serve with a mistyped dsn", func(t *testing.T) {
		dir := t.TempDir()
		conf := sqlConfig(t, dir, "sqlite", "file:"+filepath.Join(dir, "technvoa.db"), "")
		code, out := runCmd(t, "serve", "--stdio", conf)
		if code != exitConfig || !strings.Contains(out, "no such table: orders") {
			t.Errorf("serve: exit %d, want %d with no such table:\n%s", code, exitConfig, out)
		}
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
			t.Errorf("serve left %v (%v) beside the configuration", entries, err)
		}
	})
}

// TestValidatePostgresDSN: validate fails when the database does not
// exist or nothing answers; --offline, which does not connect, passes.
func TestValidatePostgresDSN(t *testing.T) {
	if postgresDSN(t) == "" {
		t.Skip("no PostgreSQL (set MCPGEN_TEST_POSTGRES_DSN, or run scripts/test.sh)")
	}
	u, err := url.Parse(postgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/mcpgen_no_such_database"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "postgres://u:pw@" + l.Addr().String() + "/db?connect_timeout=5"
	l.Close()
	for _, tt := range []struct{ name, dsn, want string }{
		{"no such database", u.String(), `database "mcpgen_no_such_database" does not exist`},
		{"nothing listening", closed, "PostgreSQL is unreachable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conf := sqlConfig(t, t.TempDir(), "postgres", tt.dsn, "")
			if code, out := runCmd(t, "validate", conf); code != exitConfig || !strings.Contains(out, tt.want) {
				t.Errorf("validate: exit %d, want %d with %q:\n%s", code, exitConfig, tt.want, out)
			}
			if code, out := runCmd(t, "validate", "--offline", conf); code != exitOK {
				t.Errorf("validate --offline: exit %d, want %d:\n%s", code, exitOK, out)
			}
		})
	}
}

// readyzBody fetches /readyz and decodes its body.
func readyzBody(t *testing.T, s *server) (int, map[string]any) {
	t.Helper()
	code, body := get(t, strings.TrimSuffix(s.url, "/mcp")+"/readyz")
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("/readyz body %q: %v", body, err)
	}
	return code, out
}

// readyCheck asserts /readyz's status, how many dependencies are down and
// each one's state.
func readyCheck(t *testing.T, s *server, step string, wantCode int, wantStatus string, sources, unreachable int, deps map[string]any) {
	t.Helper()
	code, body := readyzBody(t, s)
	if code != wantCode || body["status"] != wantStatus || body["unreachable"] != float64(unreachable) || body["sources"] != float64(sources) {
		t.Errorf("%s: /readyz = %d %v, want %d %s with %d of %d sources unreachable", step, code, body, wantCode, wantStatus, unreachable, sources)
	}
	if got, want := must(json.Marshal(body["dependencies"])), must(json.Marshal(deps)); string(got) != string(want) {
		t.Errorf("%s: dependencies = %s, want %s", step, got, want)
	}
	if _, text := get(t, strings.TrimSuffix(s.url, "/mcp")+"/readyz"); strings.Contains(text, "secret") || strings.Contains(text, "breaker open") {
		t.Errorf("%s: /readyz shows an error text: %s", step, text)
	}
}

func dep(required bool, state, breaker string) map[string]any {
	d := map[string]any{"required": required, "state": state}
	if breaker != "" {
		d["breaker"] = breaker
	}
	return d
}

// failingUpstream answers every request 503.
func failingUpstream(t *testing.T) string {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream secret detail", http.StatusServiceUnavailable)
	}))
	t.Cleanup(up.Close)
	return up.URL
}

// TestReadinessOptionalDown: /readyz says whether this replica can serve.
// An HTTP source (not required by default) whose breaker is open, or an
// issuer whose JWKS endpoint fails while its keys are cached, leaves it
// ready. The body names every dependency with its state, and no error
// text.
func TestReadinessOptionalDown(t *testing.T) {
	iss := authtest.NewIssuer(t)
	s := startHTTP(t, append(issuerEnv(iss), "READY_UPSTREAM_URL="+failingUpstream(t)), "testdata/e2e/edges_ready.hcl")
	readyCheck(t, s, "at start", http.StatusOK, "ready", 2, 0, map[string]any{
		"sql.db": dep(true, "up", ""), "http.optional": dep(false, "up", "closed"), "auth.jwks": dep(true, "up", ""),
	})
	toolError(t, call(t, s.client, "optional", nil), "503")
	iss.SetJWKSDown(true)
	readyCheck(t, s, "an optional API down, the JWKS endpoint down", http.StatusOK, "ready", 2, 1, map[string]any{
		"sql.db": dep(true, "up", ""), "http.optional": dep(false, "down", "open"), "auth.jwks": dep(true, "up", ""),
	})
}

// TestReadinessRequiredDown: a source declared required = true takes the
// replica out of the load balancer while it is down.
func TestReadinessRequiredDown(t *testing.T) {
	iss := authtest.NewIssuer(t)
	s := startHTTP(t, append(issuerEnv(iss), "READY_UPSTREAM_URL="+failingUpstream(t)), "testdata/e2e/edges_ready.hcl", "testdata/e2e/edges_ready_required.hcl")
	readyCheck(t, s, "at start", http.StatusOK, "ready", 3, 0, map[string]any{
		"sql.db": dep(true, "up", ""), "http.optional": dep(false, "up", "closed"), "http.critical": dep(true, "up", "closed"), "auth.jwks": dep(true, "up", ""),
	})
	toolError(t, call(t, s.client, "critical", nil), "503")
	readyCheck(t, s, "a required API down", http.StatusServiceUnavailable, "not ready", 3, 1, map[string]any{
		"sql.db": dep(true, "up", ""), "http.optional": dep(false, "up", "closed"), "http.critical": dep(true, "down", "open"), "auth.jwks": dep(true, "up", ""),
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
