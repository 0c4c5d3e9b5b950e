package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("validate", "validate [--offline] PATH...", stdout, stderr)
	offline := fs.Bool("offline", false, "only check the files; do not connect to any source to prepare statements")
	gen, err := fs.parseAndBuild(ctx, args, func() runtime.BuildMode { return buildMode(*offline) })
	if gen == nil {
		return err
	}
	checked := "every statement prepared"
	switch {
	case *offline:
		checked = "statements not prepared (--offline)"
	case gen.Partial():
		checked = "statements checked where a source was reachable"
	}
	fmt.Fprintf(stdout, "ok: %s, %s; %s\n",
		plural(len(gen.Config.Sources), "source"), plural(len(gen.Surface().Tools), "tool"), checked)
	fmt.Fprintf(stdout, "auth: %s\n", authSummary(gen.Config.Auth))
	return nil
}

// authSummary says in one line who can call at all, for a reviewer.
func authSummary(a *cfg.Auth) string {
	if a == nil {
		return "none: every caller is anonymous, and tools without a guard are open to all (HTTP is refused beyond loopback)"
	}
	var parts []string
	if a.JWT != nil {
		parts = append(parts, fmt.Sprintf("JWT bearer tokens from %s for %s", a.JWT.Issuer, a.Resource))
	}
	if n := len(a.APIKeys); n > 0 {
		parts = append(parts, plural(n, "API key"))
	}
	if !a.HTTPCredentials() {
		parts = append(parts, "no HTTP credentials (every HTTP caller is anonymous)")
	}
	if a.Stdio != nil {
		parts = append(parts, fmt.Sprintf("stdio runs as %q", a.Stdio.Subject))
	} else {
		parts = append(parts, "stdio runs as anonymous")
	}
	return strings.Join(parts, "; ") + "; tools without a guard are closed to everyone"
}

// buildMode is how far validate and tools go: every source opened in
// check mode (nothing created or seeded) unless --offline.
func buildMode(offline bool) runtime.BuildMode {
	if offline {
		return runtime.BuildOffline
	}
	return runtime.BuildCheck
}
