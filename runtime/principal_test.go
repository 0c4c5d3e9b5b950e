package runtime

import (
	"context"
	"testing"

	"github.com/mark3labs/mcp-go/server"
)

// TestRequestState: the one context value the HTTP gate makes per request
// (WithRequest, RequestContext) answers for the caller, the transport and
// the answers as the context values it replaced did: the part attached
// innermost counts, and a part it lacks is looked up further out.
func TestRequestState(t *testing.T) {
	alice, bob := &Principal{Subject: "alice"}, &Principal{Subject: "bob"}
	a, b := &Answers{}, &Answers{}
	bg := context.Background()
	var inPlace RequestContext
	tests := []struct {
		name      string
		ctx       context.Context
		principal *Principal
		transport string
		answers   *Answers
	}{
		{"alone", WithRequest(bg, "http", alice, a), alice, "http", a},
		{"made in place", inPlace.Init(bg, "http", alice, a), alice, "http", a},
		{"no caller is anonymous", WithRequest(bg, "http", nil, nil), Anonymous, "http", nil},
		{"a transport attached inside", WithTransport(WithRequest(bg, "http", alice, a), "stdio"), alice, "stdio", a},
		{"answers attached inside", WithAnswers(WithRequest(bg, "http", alice, a), b), alice, "http", b},
		{"a caller attached inside", WithPrincipal(WithRequest(bg, "http", alice, a), bob), bob, "http", a},
		{"parts it lacks, from outside", WithRequest(WithAnswers(WithTransport(bg, "stdio"), b), "", bob, nil), bob, "stdio", b},
		{"a caller outside is replaced", WithRequest(WithPrincipal(bg, bob), "http", nil, nil), Anonymous, "http", nil},
		{"none", bg, Anonymous, "in-process", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PrincipalFrom(tt.ctx); got != tt.principal {
				t.Errorf("principal %q, want %q", got.Subject, tt.principal.Subject)
			}
			if got := transportFrom(tt.ctx); got != tt.transport {
				t.Errorf("transport %q, want %q", got, tt.transport)
			}
			if got := answersFrom(tt.ctx); got != tt.answers {
				t.Errorf("answers %p, want %p", got, tt.answers)
			}
		})
	}

	// Reading it allocates nothing: every call reads the transport.
	ctx := WithRequest(bg, "http", alice, a)
	if n := testing.AllocsPerRun(100, func() {
		_, _, _ = PrincipalFrom(ctx), transportFrom(ctx), answersFrom(ctx)
	}); n != 0 {
		t.Errorf("reading the request state allocates %.0f times, want none", n)
	}
}

// TestMCPServerInRequestState: DirectMessage's server goes into the
// request's state when there is one, and a second server sharing that
// context gets a value of its own.
func TestMCPServerInRequestState(t *testing.T) {
	one, other := server.NewMCPServer("one", "1"), server.NewMCPServer("other", "1")
	ctx := WithRequest(context.Background(), "http", nil, nil)
	withOne := withMCPServer(ctx, one)
	if withOne != ctx {
		t.Error("a context with a request state got a value of its own")
	}
	if got := mcpServerFrom(withOne); got != one {
		t.Errorf("server %p, want %p", got, one)
	}
	if again := withMCPServer(ctx, one); again != ctx {
		t.Error("the same server again got a value of its own")
	}
	withOther := withMCPServer(ctx, other)
	if withOther == ctx {
		t.Fatal("another server went into a state that holds one already")
	}
	if got := mcpServerFrom(withOther); got != other {
		t.Errorf("server %p, want the other, %p", got, other)
	}
	if got := mcpServerFrom(ctx); got != one {
		t.Errorf("server %p after the other's call, want %p", got, one)
	}
	if got := mcpServerFrom(withMCPServer(context.Background(), other)); got != other {
		t.Errorf("without a request state: server %p, want %p", got, other)
	}
}

// TestSubjectKey: a principal's key is "sub:" and its subject, made once:
// the HTTP transport asks for it on every request.
func TestSubjectKey(t *testing.T) {
	p := &Principal{Subject: "alice"}
	if got := p.SubjectKey(); got != "sub:alice" {
		t.Errorf("SubjectKey = %q, want %q", got, "sub:alice")
	}
	if n := testing.AllocsPerRun(100, func() { _ = p.SubjectKey() }); n != 0 {
		t.Errorf("SubjectKey allocates %.0f times once made, want none", n)
	}
}
