package runtime

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/auth"
)

// BuildMode says how far Build goes.
type BuildMode int

const (
	// BuildOffline parses, decodes and compiles without any I/O:
	// `validate --offline`, `tools --offline`.
	BuildOffline BuildMode = iota
	// BuildCheck also connects every reachable source in check mode and
	// prepares every statement, changing nothing (no database file is
	// created, no seed applied), then closes the sources again:
	// `validate`, `tools`.
	BuildCheck
	// BuildServe opens the sources for serving: `serve` at start and
	// every reload.
	BuildServe
)

// BuildOptions configure Build.
type BuildOptions struct {
	Mode BuildMode
	// Log is the operational logger sources are opened with.
	Log zerolog.Logger
	// Secrets is the set Log redacts. The configuration's env() values
	// join it before anything is opened or logged; nil: none.
	Secrets *cfg.Secrets
	// Exposure is where the server takes HTTP requests, for the
	// credential policy.
	Exposure Exposure
	// Verify, in BuildServe mode, checks the configuration's surface
	// before anything is opened (cmd/mcpgen holds it against
	// mcpgen.lock); its errors refuse the start or the reload. nil: no
	// check.
	Verify func(*Surface) hcl.Diagnostics
	// Rewrite, when set, changes the loaded configuration before anything
	// is decoded or opened: `mcpgen test` points sources at fixtures and
	// stubs there, so that no test reaches a real database or upstream.
	Rewrite func(*cfg.Config) hcl.Diagnostics
	// Pins, in BuildServe mode, returns the reviewed hashes of upstream
	// definitions (adapter.OpenOptions.Pins), read when sources open.
	// nil: none.
	Pins func() map[string]string
	// Pinned are the upstream definitions sources generate tools from
	// (expose_all), by adapter.PinKey; nil: those mcpgen.lock beside the
	// configuration pins (pinnedDefinitions), warning when it is not whole.
	Pinned map[string]json.RawMessage
}

// Exposure says where a server listens for HTTP, which decides whether it
// needs credentials (see credentialPolicy).
type Exposure struct {
	// HTTP is the listen address; "" when no HTTP is served (stdio, or a
	// command that does not serve).
	HTTP string
	// InsecureNoAuth (--insecure-no-auth) lets a server beyond loopback
	// run without credentials, with a loud warning.
	InsecureNoAuth bool
	// TLS says the listener serves HTTPS itself (--tls-cert, --tls-key).
	TLS bool
	// TrustedProxy says a TLS-terminating proxy is in front
	// (--trusted-proxy): clients reach the server over HTTPS through it.
	TrustedProxy bool
}

// beyondLoopback reports whether HTTP is served to other machines.
func (e Exposure) beyondLoopback() bool {
	return e.HTTP != "" && !IsLoopbackAddr(e.HTTP)
}

// Build is the one way a configuration becomes a generation, for every
// command and for reload alike: load the files, decode every source and
// tool with its adapter and compile params, guards, binds and limits,
// check the credential policy, then open the sources as far as the mode
// says. Everything that can be checked is, even when the files had errors,
// so that one run reports every mistake.
//
// The generation is returned even when the diagnostics have errors, for
// its Config (a watcher needs the files it read); whatever was opened is
// closed again then, and in BuildCheck mode always.
func Build(ctx context.Context, paths []string, opts BuildOptions) (*Generation, hcl.Diagnostics) {
	conf, diags := cfg.Load(paths)
	if opts.Rewrite != nil {
		diags = append(diags, opts.Rewrite(conf)...)
	}
	pinned := opts.Pinned
	if pinned == nil {
		var ds hcl.Diagnostics
		pinned, ds = pinnedDefinitions(paths)
		diags = append(diags, ds...)
	}
	gen, more := checkPinned(conf, pinned)
	// After check: adapters evaluate their bodies' env() calls there.
	if opts.Secrets != nil {
		opts.Secrets.AddAll(conf.Secrets)
	}
	diags = append(diags, more...)
	gen.hash = ConfigHash(conf)
	if diags.HasErrors() || opts.Mode == BuildOffline {
		return gen, diags
	}
	// A broken file may have lost its auth block: the policy speaks only
	// of a configuration that is otherwise whole.
	diags = append(diags, credentialPolicy(conf, opts.Exposure, opts.Log)...)
	if opts.Verify != nil && opts.Mode == BuildServe {
		// Before Open: the surface then depends on the files alone, as
		// `mcpgen lock` saw it, and a refused one connects nothing.
		diags = append(diags, opts.Verify(gen.Surface())...)
	}
	if diags.HasErrors() {
		return gen, diags
	}
	openOpts := adapter.OpenOptions{Check: opts.Mode == BuildCheck, Log: opts.Log}
	if opts.Pins != nil && opts.Mode == BuildServe {
		openOpts.Pins = opts.Pins()
	}
	if opts.Mode == BuildServe {
		openOpts.Upstream = gen.upstream.report
	}
	opened := gen.Open(ctx, openOpts)
	for _, d := range opened {
		gen.partial = gen.partial || d.Severity == hcl.DiagWarning
	}
	diags = append(diags, opened...)
	if opts.Mode == BuildCheck || diags.HasErrors() {
		if err := gen.Close(); err != nil {
			opts.Log.Warn().Err(err).Msg("closing the sources opened to check the configuration")
		}
	}
	return gen, diags
}

// IsLoopbackAddr reports whether a listen address (host:port) only accepts
// local connections.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.Trim(addr, "[]")
	}
	return auth.IsLoopbackHost(host)
}

// credentialPolicy is the rule that a server listening beyond loopback
// needs credentials: without a jwt block or api_key blocks anyone who
// reaches the port could call every tool. It holds at start and at every
// reload. --insecure-no-auth lets it pass with a loud warning, for a port
// that a trusted network or an authenticating proxy protects.
//
// Credentials need TLS on their way (transportPolicy): a server beyond
// loopback that has them serves HTTPS or stands behind a TLS-terminating
// proxy the operator names.
func credentialPolicy(conf *cfg.Config, e Exposure, log zerolog.Logger) hcl.Diagnostics {
	if conf.Auth.HTTPCredentials() {
		return transportPolicy(conf.Auth, e)
	}
	if !e.beyondLoopback() {
		return nil
	}
	if e.InsecureNoAuth {
		log.Warn().Str("listen", e.HTTP).Msg(strings.Repeat("!", 12) +
			" serving on a non-loopback address WITHOUT AUTHENTICATION: anyone who can reach " + e.HTTP +
			" can call every tool (--insecure-no-auth). " + strings.Repeat("!", 12))
		return nil
	}
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Refusing to serve without authentication",
		Detail: "The server listens on " + e.HTTP + ", beyond loopback, and the configuration has no jwt block and no api_key blocks, " +
			"so anyone who reaches the port could call every tool. Declare them, listen on 127.0.0.1, " +
			"or pass --insecure-no-auth if a trusted network or an authenticating proxy protects the port.",
	}
	switch {
	case conf.Auth != nil:
		d.Subject = conf.Auth.DeclRange.Ptr()
	case conf.Server != nil && conf.Server.DeclRange.Filename != "":
		d.Subject = conf.Server.DeclRange.Ptr()
	}
	return hcl.Diagnostics{d}
}

// transportPolicy is the rule that credentials never cross the network in
// clear: bearer tokens and API keys sent over plain HTTP beyond loopback
// can be read (and replayed) by anyone on the path. Since the listener is
// fixed at start and this runs at every reload too, a reload that adds
// credentials to a plain listener beyond loopback is refused like a start.
// When clients reach the server over HTTPS, the resource they mint tokens
// for must say https too.
func transportPolicy(a *cfg.Auth, e Exposure) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if e.beyondLoopback() && !e.TLS && !e.TrustedProxy {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Refusing to take credentials over plain HTTP",
			Detail: "The server listens on " + e.HTTP + ", beyond loopback, and callers authenticate with bearer tokens or API keys, " +
				"which plain HTTP carries in clear to anyone on the way. Serve HTTPS with --tls-cert and --tls-key, " +
				"listen on 127.0.0.1, or name the TLS-terminating proxy in front with --trusted-proxy.",
			Subject: a.DeclRange.Ptr(),
		})
	}
	if u, err := url.Parse(a.Resource); err == nil && u.Scheme == "http" && (e.TLS || e.TrustedProxy) {
		via := "serves HTTPS (--tls-cert)"
		if !e.TLS {
			via = "is reached over HTTPS through the proxy named by --trusted-proxy"
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Resource must use https",
			Detail: "The server " + via + ", but resource is " + a.Resource + ": tokens would be minted for an http audience " +
				"and clients sent to metadata at an http URL. Write the https URL clients use.",
			Subject: a.ResourceRange.Ptr(),
		})
	}
	return diags
}
