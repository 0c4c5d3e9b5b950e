// Command issuer is a throwaway token issuer for trying TechNova with authentication: it
// serves a JWKS on a loopback address and prints a token for each TechNova role.
//
//	go run ./examples/technova/issuer -listen 127.0.0.1:9000 -audience http://127.0.0.1:8080/mcp
//
// Tokens go to stdout, one per line as "<label> <token>"; the issuer and JWKS URLs go to
// stderr. The keys are made at start, so tokens die with the process. Not for production:
// it signs whatever it is asked to.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "issuer:", err)
		os.Exit(1)
	}
}

// role is one principal TechNova's guards and binds tell apart.
type role struct {
	label, sub, org, scope string // scope "" = the token has no scope claim
}

var roles = []role{
	{"acme-agent", "agent@acme.example", "acme", "orders.read catalog.read"},
	{"acme-manager", "manager@acme.example", "acme", "orders.read orders.write catalog.read"},
	{"globex-agent", "agent@globex.example", "globex", "orders.read catalog.read"},
	{"no-scopes", "visitor@acme.example", "acme", ""},
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("issuer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9000", "address to serve the JWKS and discovery document on")
	audience := fs.String("audience", "http://127.0.0.1:8080/mcp", "the MCP server's canonical URL, put in every token's aud")
	valid := fs.Duration("valid", 24*time.Hour, "how long the tokens are valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *audience == "" {
		return errors.New("-audience must not be empty")
	}
	if *valid <= 0 {
		return fmt.Errorf("-valid must be positive, got %s", *valid)
	}
	iss, err := authtest.Start(*listen)
	if err != nil {
		return err
	}
	defer iss.Close()
	fmt.Fprintf(stderr, "issuer %s\njwks   %s\n", iss.URL(), iss.JWKSURL())
	exp := time.Now().Add(*valid).Unix()
	for _, r := range roles {
		claims := map[string]any{"sub": r.sub, "aud": *audience, "org": r.org, "exp": exp}
		if r.scope != "" {
			claims["scope"] = r.scope
		}
		if _, err := fmt.Fprintf(stdout, "%s %s\n", r.label, iss.Token(claims)); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return nil
}
