package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

func TestConfigHash(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.hcl", `server { name = "a" }`+"\n")
	b := write("b.hcl", `server {`+"\n"+`  name = "b"`+"\n"+`  instructions = file("notes.md")`+"\n}\n")
	write("notes.md", "first")
	hash := func(paths ...string) string {
		conf, diags := cfg.Load(paths)
		if diags.HasErrors() {
			t.Fatalf("load %v: %s", paths, diags.Error())
		}
		return ConfigHash(conf)
	}

	base := hash(a)
	if len(base) != 64 || strings.Trim(base, "0123456789abcdef") != "" {
		t.Fatalf("hash %q is not hex SHA-256", base)
	}
	if again := hash(a); again != base {
		t.Errorf("the same file hashed twice: %s, then %s", base, again)
	}
	withNotes := hash(b)
	write("notes.md", "second")
	if got := hash(b); got == withNotes {
		t.Errorf("changing a file that file() read left the hash at %s", got)
	}
	write("a.hcl", `server { name = "b" }`+"\n")
	if got := hash(a); got == base {
		t.Errorf("changing a file's bytes left the hash at %s", got)
	}
	// The same bytes under another name is another configuration: the
	// names are what diagnostics and watching go by.
	c := write("c.hcl", `server { name = "b" }`+"\n")
	if hash(a) == hash(c) {
		t.Errorf("two files with different names hash alike")
	}
}

// newTestServer serves an opened generation of the given files' text,
// logging to the returned buffer.
func newTestServer(t *testing.T, src string) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	gen := checkSource(t, src)
	return NewServer(gen, ServerOptions{Log: zerolog.New(logs)}), logs
}

func checkSource(t *testing.T, src string) *Generation {
	t.Helper()
	conf, diags := cfg.LoadSource("main.hcl", []byte(src))
	gen, more := check(conf)
	if diags = append(diags, more...); diags.HasErrors() {
		t.Fatalf("check: %s", diags.Error())
	}
	if diags := gen.Open(context.Background(), adapter.OpenOptions{}); diags.HasErrors() {
		t.Fatalf("open: %s", diags.Error())
	}
	return gen
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSwapDrains: a generation swapped out while a call holds it stays
// open until that call lets go; the generations are numbered in order.
func TestSwapDrains(t *testing.T) {
	s, logs := newTestServer(t, `server { name = "s" }`)
	first := s.Generation()
	if first.Number() != 1 || first.Hash() == "" {
		t.Fatalf("first generation: number %d, hash %q", first.Number(), first.Hash())
	}
	if _, gen, err := s.enter(context.Background()); err != nil || gen != first { // a call starts on it
		t.Fatalf("cannot hold the current generation: %v", err)
	}
	second := checkSource(t, `server { name = "s" }`+"\n# edited\n")
	if err := s.install(second); err != nil {
		t.Fatal(err)
	}
	if s.Generation() != second || second.Number() != 2 || second.Hash() == first.Hash() {
		t.Fatalf("after the swap: current %d, hash %q (first %q)", s.Generation().Number(), second.Hash(), first.Hash())
	}
	if n := first.refs.Load(); n != 1 {
		t.Fatalf("the first generation has %d holds, want the call's 1", n)
	}
	if strings.Contains(logs.String(), "drained") {
		t.Fatalf("the first generation closed under a call:\n%s", logs)
	}
	s.release(first) // the call returns
	s.Close()
	log := logs.String()
	one := strings.Index(log, `"generation":1,"config_hash":"`+first.Hash()+`","message":"generation drained`)
	two := strings.Index(log, `"generation":2,"config_hash":"`+second.Hash()+`","message":"generation drained`)
	if one < 0 || two < 0 {
		t.Errorf("both generations should have drained and closed:\n%s", log)
	}
	if err := s.install(checkSource(t, `server { name = "s" }`)); err == nil {
		t.Errorf("a swap after Close succeeded")
	}
}

// TestEnterAfterSwap: a request arriving after a swap runs on the new
// generation, whatever handler mcp-go picked; a tool the reload removed is
// refused in words a model can act on, and so is everything after Close.
func TestEnterAfterSwap(t *testing.T) {
	s, _ := newTestServer(t, `server { name = "s" }`)
	old := s.Generation()
	next := checkSource(t, `server { name = "s" }`)
	old.tools = []*toolEntry{{decl: &cfg.Tool{Name: "gone"}}}
	if err := s.install(next); err != nil {
		t.Fatal(err)
	}
	s.reload.retiring.Wait() // old has no calls: it drains at once

	_, gen, err := s.enter(context.Background())
	if err != nil || gen != next {
		t.Fatalf("enter = generation %v, %v; want the current one", gen, err)
	}
	s.release(gen)
	res, err := s.handler("gone")(context.Background(), mcp.CallToolRequest{})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(mcp.TextContent).Text, `The tool "gone" no longer exists`) {
		t.Errorf("a call to a removed tool: %v %v", res, err)
	}
	if n := next.refs.Load(); n != 1 {
		t.Errorf("the current generation has %d holds after the requests, want the server's 1", n)
	}
	s.Close()
	if _, _, err := s.enter(context.Background()); err == nil {
		t.Errorf("a request after Close was not refused")
	}
	res, _ = s.handler("gone")(context.Background(), mcp.CallToolRequest{})
	if !res.IsError || !strings.Contains(res.Content[0].(mcp.TextContent).Text, "shutting down") {
		t.Errorf("a call after Close: %v", res)
	}
}

// TestReloadKeepsCredentials: a server listening beyond loopback because
// its configuration had credentials refuses a reload that drops them, and
// says where.
func TestReloadKeepsCredentials(t *testing.T) {
	const withKey = `auth {
  api_key "k" {
    hash    = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f"
    subject = "svc"
  }
}
`
	dir := t.TempDir()
	path := filepath.Join(dir, "main.hcl")
	if err := os.WriteFile(path, []byte(withKey), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s := NewServer(checkSource(t, withKey), ServerOptions{Log: zerolog.New(logs), Exposure: Exposure{HTTP: "0.0.0.0:8080"}})
	defer s.Close()

	if err := os.WriteFile(path, []byte("auth {\n  stdio {\n    subject = \"me\"\n  }\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reload(context.Background(), []string{path}); !errors.Is(err, ErrReloadFailed) {
		t.Fatalf("reload without credentials: %v, want ErrReloadFailed", err)
	}
	if !strings.Contains(logs.String(), path+`:1:1: Refusing to serve without authentication`) {
		t.Errorf("the refusal does not name the auth block:\n%s", logs)
	}
	if s.Generation().Number() != 1 {
		t.Errorf("generation %d serves, want the first", s.Generation().Number())
	}
}

// TestReloadInsecureNoAuth: under --insecure-no-auth a reload may drop the
// credentials, and says loudly that the port is now open.
func TestReloadInsecureNoAuth(t *testing.T) {
	const withKey = `auth {
  api_key "k" {
    hash    = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f"
    subject = "svc"
  }
}
`
	path := filepath.Join(t.TempDir(), "main.hcl")
	if err := os.WriteFile(path, []byte(`server { name = "open" }`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s := NewServer(checkSource(t, withKey), ServerOptions{Log: zerolog.New(logs), Exposure: Exposure{HTTP: "0.0.0.0:8080", InsecureNoAuth: true}})
	defer s.Close()
	if _, err := s.Reload(context.Background(), []string{path}); err != nil {
		t.Fatalf("reload under --insecure-no-auth: %v", err)
	}
	if !strings.Contains(logs.String(), "WITHOUT AUTHENTICATION") {
		t.Errorf("no warning that the port is open:\n%s", logs)
	}
}

// TestReloadKeepsTLSPolicy: a reload that brings credentials to a plain
// HTTP listener beyond loopback is refused like a start would be: the
// listener cannot become HTTPS, so the credentials would travel in clear.
func TestReloadKeepsTLSPolicy(t *testing.T) {
	const withKey = `auth {
  api_key "k" {
    hash    = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f"
    subject = "svc"
  }
}
`
	const open = `server { name = "open" }` + "\n"
	path := filepath.Join(t.TempDir(), "main.hcl")
	if err := os.WriteFile(path, []byte(withKey), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s := NewServer(checkSource(t, open), ServerOptions{Log: zerolog.New(logs), Exposure: Exposure{HTTP: "0.0.0.0:8080", InsecureNoAuth: true}})
	defer s.Close()
	if _, err := s.Reload(context.Background(), []string{path}); !errors.Is(err, ErrReloadFailed) {
		t.Fatalf("reload adding credentials over plain HTTP: %v, want ErrReloadFailed", err)
	}
	if !strings.Contains(logs.String(), path+`:1:1: Refusing to take credentials over plain HTTP`) {
		t.Errorf("the refusal does not name the auth block:\n%s", logs)
	}
	if s.Generation().Number() != 1 {
		t.Errorf("generation %d serves, want the first", s.Generation().Number())
	}

	https := NewServer(checkSource(t, open), ServerOptions{Log: zerolog.New(logs), Exposure: Exposure{HTTP: "0.0.0.0:8443", InsecureNoAuth: true, TLS: true}})
	defer https.Close()
	if _, err := https.Reload(context.Background(), []string{path}); err != nil {
		t.Fatalf("reload adding credentials over HTTPS: %v", err)
	}
}

// TestReloadSharesTokenValidator: a reload with the same jwt settings
// keeps the validator, with its keys, after the old generation drained,
// even while the issuer is unreachable; one with other settings gets its
// own.
func TestReloadSharesTokenValidator(t *testing.T) {
	iss := authtest.NewIssuer(t)
	config := func(leeway string) string {
		return fmt.Sprintf(`auth {
  resource = "http://127.0.0.1:8080/mcp"
  jwt {
    issuer   = %q
    jwks_url = %q
    leeway   = %q
  }
}
`, iss.URL(), iss.JWKSURL(), leeway)
	}
	path := filepath.Join(t.TempDir(), "main.hcl")
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(config("30s"))
	s := NewServer(checkSource(t, config("30s")), ServerOptions{Log: zerolog.Nop()})
	defer s.Close()
	first := s.Generation()
	if err := first.authn.ready(context.Background()); err != nil {
		t.Fatal(err)
	}

	// The issuer's keys cannot be fetched during the reload: tokens are
	// still validated with those already held.
	iss.SetJWKSDown(true)
	if _, err := s.Reload(context.Background(), []string{path}); err != nil {
		t.Fatal(err)
	}
	s.reload.retiring.Wait() // the first generation drained and closed
	second := s.Generation()
	if second.authn.jwt != first.authn.jwt || second.authn.jwt.refs.Load() != 1 {
		t.Fatalf("the validator was not handed on: %p vs %p", second.authn.jwt, first.authn.jwt)
	}
	h := http.Header{"Authorization": {"Bearer " + iss.Token(map[string]any{"aud": "http://127.0.0.1:8080/mcp", "sub": "u"})}}
	if p, err := second.authn.authenticate(context.Background(), h); err != nil || p.Subject != "u" {
		t.Fatalf("a token after the old generation closed: %v, %v", p, err)
	}

	write(config("10s"))
	if _, err := s.Reload(context.Background(), []string{path}); err != nil {
		t.Fatal(err)
	}
	if third := s.Generation(); third.authn.jwt == second.authn.jwt {
		t.Errorf("a validator with other settings was shared")
	}
}
