package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/internal/heapfloor"
	"github.com/mcpgen/mcpgen/review/lock"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runServe(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o := transport.DefaultHTTPOptions()
	fs := newCommand("serve", "serve [flags] PATH...", stdout, stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address for Streamable HTTP")
	stdio := fs.Bool("stdio", false, "serve one local client on stdin/stdout instead of HTTP (logs go to stderr)")
	fs.StringVar(&o.Path, "path", o.Path, "the MCP endpoint path")
	fs.BoolVar(&o.Stateless, "stateless", false, "issue no session ids, for replicas behind a load balancer")
	fs.DurationVar(&o.SessionIdleTTL, "session-idle-ttl", o.SessionIdleTTL, "drop sessions idle this long")
	sessionKeyFile := callerFlags(fs, &o.Limits)
	fs.Int64Var(&o.MaxBodyBytes, "max-body", o.MaxBodyBytes, "request body cap in bytes")
	fs.Var((*stringList)(&o.AllowedOrigins), "allow-origin", "a browser origin allowed to call the server, e.g. https://app.example.com (repeatable)")
	fs.DurationVar(&o.Grace, "grace", o.Grace, "how long calls in flight may run after SIGINT/SIGTERM")
	fs.DurationVar(&o.DrainDelay, "drain-delay", 0, "after SIGINT/SIGTERM, keep serving this long with /readyz answering 503, so a load balancer stops sending work first")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	opsListen := fs.String("metrics-listen", "", "serve /metrics, /healthz and /readyz on this address of their own, and /metrics no longer on --listen (works with --stdio too)")
	insecure := fs.Bool("insecure-no-auth", false, "allow serving HTTP on a non-loopback address with no auth block (trusted networks only: anyone who reaches the port can call every tool)")
	watch := fs.Bool("watch", false, "reload when a configuration file changes (SIGHUP reloads either way)")
	debounce := fs.Duration("watch-debounce", 250*time.Millisecond, "with --watch, reload once changes have been quiet this long")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate (chain), read again when it changes on disk")
	tlsKey := fs.String("tls-key", "", "the PEM private key of --tls-cert")
	var proxies stringList
	fs.Var(&proxies, "trusted-proxy", "the IP address or CIDR range of a TLS-terminating proxy in front, whose X-Forwarded-For names the client (repeatable)")
	progressEvery := fs.Duration("progress-interval", runtime.DefaultProgressInterval, "how often a call whose request carries a progress token is told it is still running (a keep-alive)")
	noLock := fs.Bool("no-lock", false, "serve a configuration whose surface differs from its mcpgen.lock (logs a warning)")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	paths, err := fs.needPaths()
	if err != nil {
		return err
	}
	switch {
	case o.MaxBodyBytes <= 0:
		return usageErrorf("serve: --max-body must be positive")
	case *progressEvery <= 0:
		return usageErrorf("serve: --progress-interval must be positive")
	case o.SessionIdleTTL <= 0:
		return usageErrorf("serve: --session-idle-ttl must be positive: sessions that never expire leak")
	case !validPath(o.Path):
		return usageErrorf("serve: --path must be an absolute URL path such as /mcp, not %q", o.Path)
	case o.Path == "/healthz" || o.Path == "/readyz" || o.Path == "/metrics":
		return usageErrorf("serve: --path %s is taken by the health checks and metrics", o.Path)
	case o.DrainDelay < 0:
		return usageErrorf("serve: --drain-delay must not be negative")
	case *debounce < 0:
		return usageErrorf("serve: --watch-debounce must not be negative")
	case (*tlsCert == "") != (*tlsKey == ""):
		return usageErrorf("serve: --tls-cert and --tls-key go together")
	case *stdio && (*tlsCert != "" || len(proxies) > 0):
		return usageErrorf("serve: --tls-cert, --tls-key and --trusted-proxy are for HTTP, not --stdio")
	}
	for _, p := range proxies {
		prefix, err := transport.ParseTrustedProxy(p)
		if err != nil {
			return usageErrorf("serve: --trusted-proxy: %v", err)
		}
		o.TrustedProxies = append(o.TrustedProxies, prefix)
	}
	if err := sessionOptions(&o, *sessionKeyFile, *stdio); err != nil {
		return err
	}

	exposure := runtime.Exposure{InsecureNoAuth: *insecure, TLS: *tlsCert != "", TrustedProxy: len(o.TrustedProxies) > 0}
	if !*stdio {
		exposure.HTTP = *listen
	}
	secrets := &cfg.Secrets{}
	log := runtime.NewLogger(stderr, secrets, runtime.ParseLevel(*logLevel))
	build := currentBuild()
	build.log(log)
	startHeapFloor(log)
	scheme := "http"
	if exposure.TLS {
		certs, err := transport.LoadCertificates(*tlsCert, *tlsKey, log)
		if err != nil {
			return &exitError{code: exitRuntime, msg: fmt.Sprintf("serve: %v", err)}
		}
		o.TLS, scheme = certs.TLSConfig(), "https"
	}
	verify, lockPath := lockVerifier(paths, *noLock, log)
	var pins func() map[string]string // upstream MCP tools: see lock.PinReader
	if lockPath != "" {
		pins = lock.PinReader(lockPath)
	}
	gen, diags := runtime.Build(ctx, paths, runtime.BuildOptions{Mode: runtime.BuildServe, Log: log, Secrets: secrets, Exposure: exposure, Verify: verify, Pins: pins})
	cfg.WriteDiagnostics(stderr, diags)
	if diags.HasErrors() {
		return errConfig
	}
	trail, err := openAudit(gen.Config.Audit, stderr)
	if err != nil {
		_ = gen.Close()
		return &exitError{code: exitRuntime, msg: fmt.Sprintf("serve: %v", err)}
	}
	defer func() {
		if err := trail.Close(); err != nil {
			log.Error().Err(err).Msg("closing the audit trail")
		}
	}()
	tracing, err := runtime.NewTracing(ctx, gen.Config.Telemetry, gen.Config.Server.Name, gen.Config.Server.Version)
	if err != nil {
		_ = gen.Close()
		return &exitError{code: exitRuntime, msg: fmt.Sprintf("serve: tracing: %v", err)}
	}
	if tracing != nil {
		// Spans that could not be exported are reported to OpenTelemetry's
		// error handler, by default the standard library's log: one line
		// of plain text among the JSON ones. Put them in the log instead.
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			log.Warn().Err(err).Msg("tracing: spans not exported")
		}))
	}
	defer flushTraces(tracing, log)
	srv := runtime.NewServer(gen, runtime.ServerOptions{
		Log: log, Secrets: secrets, Audit: trail, Metrics: newMetrics(build), Exposure: exposure, Verify: verify, Tracing: tracing, Pins: pins,
		ProgressInterval: *progressEvery, StateKey: o.SessionKey,
	})
	// Closes every generation's sources once its calls have returned;
	// deferred after the audit trail's close, so it runs first.
	defer srv.Close()
	stopReloading, err := startReloading(ctx, srv, paths, lockPath, log, *watch, *debounce)
	if err != nil {
		return &exitError{code: exitRuntime, msg: fmt.Sprintf("serve: watching the configuration: %v", err)}
	}
	defer stopReloading()
	if *opsListen != "" {
		stopOps, err := serveOps(ctx, srv, *opsListen, log)
		if err != nil {
			return &exitError{code: exitRuntime, msg: fmt.Sprintf("serve: --metrics-listen: %v", err)}
		}
		defer stopOps()
		o.MetricsElsewhere = true
	}
	server := gen.Config.Server
	if *stdio {
		log.Info().Str("server", server.Name).Int("tools", len(gen.Surface().Tools)).
			Uint64("generation", gen.Number()).Str("config_hash", gen.Hash()).Msg("serving stdio")
		return transport.ServeStdio(ctx, srv, stdin, stdout, o.Grace)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return &exitError{code: exitRuntime, msg: fmt.Sprintf("serve: %v", err)}
	}
	log.Info().Str("server", server.Name).Int("tools", len(gen.Surface().Tools)).
		Uint64("generation", gen.Number()).Str("config_hash", gen.Hash()).
		Str("url", fmt.Sprintf("%s://%s%s", scheme, ln.Addr(), o.Path)).Bool("stateless", o.Stateless).Msg("serving Streamable HTTP")
	if err := transport.ServeStreamable(ctx, srv, ln, o); err != nil && !errors.Is(err, context.Canceled) {
		return &exitError{code: exitRuntime, msg: fmt.Sprintf("serve: %v", err)}
	}
	log.Info().Msg("stopped")
	return nil
}

var heapFloor sync.Once

// startHeapFloor keeps a floor under the heap goal for the life of the
// process (internal/heapfloor), unless the operator set GOGC.
func startHeapFloor(log zerolog.Logger) {
	heapFloor.Do(func() {
		if _, on := heapfloor.Start(heapfloor.DefaultFloor); on {
			log.Debug().Int("heap_floor_mib", heapfloor.DefaultFloor>>20).Msg("GOGC unset: collecting a small heap once it has grown by the floor")
		}
	})
}

// serveOps serves metrics and health checks on addr until stop is called:
// through the drain after SIGTERM too, so that the calls finishing then
// are still counted where Prometheus looks.
func serveOps(ctx context.Context, srv *runtime.Server, addr string, log zerolog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	log.Info().Str("url", fmt.Sprintf("http://%s/metrics", ln.Addr())).Msg("serving metrics and health checks")
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := transport.ServeOps(ctx, srv, ln); err != nil {
			log.Error().Err(err).Msg("the metrics listener stopped")
		}
	}()
	return func() { cancel(); <-done }, nil
}

// flushTraces exports the spans still buffered at exit, for at most five
// seconds: a collector that is down must not hold the exit.
func flushTraces(tr *runtime.Tracing, log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		log.Warn().Err(err).Msg("exporting the last traces")
	}
}

// openAudit opens the audit block's sink: stderr (shared with the log,
// told apart by "log":"audit") or a rotated file.
func openAudit(a *cfg.Audit, stderr io.Writer) (*audit.Logger, error) {
	if a == nil || a.Sink != "file" {
		return audit.New(stderr), nil
	}
	f, err := audit.OpenFile(audit.FileOptions{Path: a.Path, Fsync: a.Fsync, MaxSize: a.MaxSize, MaxFiles: a.MaxFiles})
	if err != nil {
		return nil, err
	}
	return audit.New(f), nil
}

func validPath(p string) bool {
	u, err := url.Parse(p)
	return err == nil && strings.HasPrefix(p, "/") && u.Path == p && !strings.ContainsAny(p, " \t{}")
}
