package configtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating fixture databases
	"github.com/zclconf/go-cty/cty"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// overrideBody is a source body with some attributes replaced (or added):
// the adapter decodes it as it would the file's, and sees the fixture's
// dsn or the stub's base_url instead of the real one.
type overrideBody struct {
	hcl.Body
	attrs map[string]cty.Value
	drop  map[string]bool // block types removed (an HTTP source's tls: stubs speak plain HTTP)
	at    hcl.Range       // where the override is declared
}

func (b *overrideBody) Content(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	c, diags := b.Body.Content(schema)
	b.patch(c, schema)
	return c, diags
}

func (b *overrideBody) PartialContent(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	c, rest, diags := b.Body.PartialContent(schema)
	b.patch(c, schema)
	return c, &overrideBody{Body: rest, attrs: b.attrs, drop: b.drop, at: b.at}, diags
}

func (b *overrideBody) patch(c *hcl.BodyContent, schema *hcl.BodySchema) {
	if c == nil {
		return
	}
	if c.Attributes == nil {
		c.Attributes = hcl.Attributes{}
	}
	if len(b.drop) > 0 {
		kept := c.Blocks[:0]
		for _, blk := range c.Blocks {
			if !b.drop[blk.Type] {
				kept = append(kept, blk)
			}
		}
		c.Blocks = kept
	}
	for _, a := range schema.Attributes {
		v, ok := b.attrs[a.Name]
		if !ok {
			continue
		}
		c.Attributes[a.Name] = &hcl.Attribute{Name: a.Name, Expr: hcl.StaticExpr(v, b.at), Range: b.at, NameRange: b.at}
	}
}

// stubServer answers the HTTP sources of every case on one listener on
// 127.0.0.1. A case's source X has base_url http://ADDR/CASE/X, so the
// server knows who asked; a source without a stub block is refused, and
// what it refused is reported with the case.
type stubServer struct {
	srv   *http.Server
	ln    net.Listener
	stubs map[string]*cfg.Stub
	mu    sync.Mutex
	notes map[string][]string // by case id
}

func startStubs(stubs []*cfg.Stub) (*stubServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the stub upstream: %w", err)
	}
	s := &stubServer{ln: ln, stubs: map[string]*cfg.Stub{}, notes: map[string][]string{}}
	for _, st := range stubs {
		s.stubs[st.Name] = st
	}
	s.srv = &http.Server{Handler: s}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *stubServer) close() { _ = s.srv.Close() }

// baseURL is what source name reaches in case id.
func (s *stubServer) baseURL(id, name string) string {
	return "http://" + s.ln.Addr().String() + "/" + id + "/" + url.PathEscape(name)
}

func (s *stubServer) note(id, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes[id] = append(s.notes[id], msg)
}

func (s *stubServer) notesOf(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notes[id]
}

func (s *stubServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/", 3)
	if len(parts) < 2 {
		http.Error(w, "mcpgen test: not a stubbed source", http.StatusBadGateway)
		return
	}
	id, name := parts[0], parts[1]
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	path := "/"
	if len(parts) == 3 {
		path += parts[2]
	}
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	if name == jwksName {
		http.Error(w, "mcpgen test: tokens are not validated under test", http.StatusBadGateway)
		return
	}
	st := s.stubs[name]
	if st == nil {
		s.note(id, fmt.Sprintf("the call reached http source %s, which has no stub: it was refused, never sent to its real base_url (declare stub %q)", name, name))
		http.Error(w, "mcpgen test: http source "+name+" has no stub", http.StatusBadGateway)
		return
	}
	for _, resp := range st.Responses {
		if resp.Path == path {
			if resp.ContentType != "" {
				w.Header().Set("Content-Type", resp.ContentType)
			}
			w.WriteHeader(resp.Status)
			_, _ = w.Write([]byte(resp.Body))
			return
		}
	}
	s.note(id, fmt.Sprintf("stub %s has no response for %s %s, so it answered 404 (%s)", name, r.Method, path, cfg.Pos(st.DeclRange)))
	http.Error(w, "mcpgen test: stub "+name+" has no response for "+path, http.StatusNotFound)
}

// jwksName is the path the issuer's keys are pointed at: tests put the
// principal in the request as authentication would, and must not reach a
// real issuer.
const jwksName = "-jwks"

// pgFixture is a PostgreSQL fixture: one template database seeded once,
// and a database per case created from it and dropped after, on the
// server the fixture's dsn names. The dsn's own database is never written.
type pgFixture struct {
	admin    *sql.DB
	dsn      string
	template string
	mu       sync.Mutex
	made     []string
}

func newPGFixture(ctx context.Context, dsn string) (*pgFixture, error) {
	db, err := sql.Open("pgx", dsn)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		if db != nil {
			_ = db.Close()
		}
		return nil, fmt.Errorf("connecting to the PostgreSQL server of the fixture: %w", err)
	}
	p := &pgFixture{admin: db, dsn: dsn}
	p.template, err = p.create(ctx, "")
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return p, nil
}

// create makes a database, empty or a copy of template, and returns its
// name.
func (p *pgFixture) create(ctx context.Context, template string) (string, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "mcpgen_test_" + hex.EncodeToString(b[:])
	stmt := "CREATE DATABASE " + name
	if template != "" {
		stmt += " TEMPLATE " + template
	}
	if _, err := p.admin.ExecContext(ctx, stmt); err != nil {
		return "", fmt.Errorf("creating a fixture database (the dsn's role needs CREATEDB): %w", err)
	}
	p.mu.Lock()
	p.made = append(p.made, name)
	p.mu.Unlock()
	return name, nil
}

func (p *pgFixture) drop(ctx context.Context, name string) error {
	_, err := p.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	return err
}

// close drops every database the fixture made.
func (p *pgFixture) close(ctx context.Context) error {
	p.mu.Lock()
	made := p.made
	p.made = nil
	p.mu.Unlock()
	var first error
	for i := len(made) - 1; i >= 0; i-- {
		if err := p.drop(ctx, made[i]); err != nil && first == nil {
			first = err
		}
	}
	if err := p.admin.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// dsnFor is the fixture's dsn naming database name instead.
func (p *pgFixture) dsnFor(name string) string {
	if u, err := url.Parse(p.dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	return p.dsn + " dbname=" + name // key=value form: the last one wins
}
