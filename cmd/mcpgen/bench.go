package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mcpgen/mcpgen/internal/loadgen"
)

// runBench is `mcpgen bench`: tools/call load against a server, to answer
// "how much can my configuration take?".
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("bench", "bench [flags] URL|PATH... --tool NAME [--args JSON]", stdout, stderr)
	var o loadgen.Options
	fs.StringVar(&o.Tool, "tool", "", "the tool to call (required)")
	fs.StringVar(&o.Args, "args", "{}", `its arguments, a JSON object; {{int MIN MAX}} is a fresh random integer per call, e.g. '{"order_id": {{int 1 100000}}}'`)
	fs.IntVar(&o.Concurrency, "c", 16, "concurrent clients (over HTTP, a session each)")
	fs.DurationVar(&o.Duration, "d", 0, "how long to load each target (default 10s unless -n)")
	fs.IntVar(&o.Calls, "n", 0, "how many calls to make to each target, instead of -d")
	fs.IntVar(&o.Rounds, "rounds", 0, "runs per target, alternating targets (default 1, or 3 with --compare)")
	fs.DurationVar(&o.Warmup, "warmup", 0, "unmeasured load on each target first")
	fs.DurationVar(&o.Idle, "idle", 0, "for a server the bench starts: how long it idles before its RSS is read")
	fs.StringVar(&o.Expect, "expect", "", "a text every answer must contain (else it counts as an error)")
	fs.StringVar(&o.Protocol, "protocol", loadgen.DefaultProtocol, "the MCP revision to ask for in initialize")
	fs.Float64Var(&o.MaxOther, "max-other", 0, "on a shared machine: the cores other processes may use; wait for that quiet before each run of a started server, and redo runs they disturbed more (0: off; Linux)")
	var headers, serveArgs stringList
	fs.Var(&headers, "header", `an HTTP header for every request, "Name: value" (repeatable)`)
	stdio := fs.Bool("stdio", false, "speak MCP over stdio to the server the bench starts: mcpgen serve --stdio PATH..., or -- PROGRAM ARG...")
	compare := fs.String("compare", "", "a second target (a URL, paths, or a program and its arguments), loaded in alternation with the first; prints ratios second/first")
	fs.Var(&serveArgs, "serve-arg", "a flag for the mcpgen serve the bench starts, e.g. --serve-arg=--stateless (repeatable)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	if len(fs.paths) == 0 {
		return usageErrorf("bench: name a URL, or the configuration to serve (see mcpgen bench --help)")
	}
	if o.Tool == "" {
		return usageErrorf("bench: --tool is required")
	}
	switch {
	case o.Duration < 0 || o.Calls < 0 || o.Rounds < 0 || o.Warmup < 0 || o.Idle < 0 || o.MaxOther < 0:
		return usageErrorf("bench: -d, -n, --rounds, --warmup, --idle and --max-other must not be negative")
	case o.Duration > 0 && o.Calls > 0:
		return usageErrorf("bench: give -d or -n, not both")
	case o.Duration == 0 && o.Calls == 0:
		o.Duration = 10 * time.Second
	}
	if o.Rounds == 0 {
		o.Rounds = 1
		if *compare != "" {
			o.Rounds = 3
		}
	}
	hdr := http.Header{}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t") {
			return usageErrorf("bench: --header %q: want \"Name: value\"", h)
		}
		hdr.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	first, err := benchTarget(fs.paths, *stdio, hdr, serveArgs)
	if err != nil {
		return err
	}
	targets := []loadgen.Target{first}
	if *compare != "" {
		second, err := benchTarget(strings.Fields(*compare), *stdio, hdr, serveArgs)
		if err != nil {
			return err
		}
		if second.Name == first.Name {
			second.Name += " (compare)"
		}
		targets = append(targets, second)
	}
	if isTerminal(stderr) && !*asJSON {
		o.Progress = stderr
	}
	o.Notes = stderr
	res, err := loadgen.Run(ctx, o, targets)
	if err != nil {
		return &exitError{code: exitRuntime, msg: "bench: " + err.Error()}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.WriteText(stdout)
	return nil
}

// benchTarget reads a target from its words: a URL of a running server;
// a program and its arguments, which the bench starts (speaking MCP on
// stdio with --stdio, else serving HTTP and logging its url); or the
// configuration paths of an mcpgen serve the bench starts itself.
func benchTarget(words []string, stdio bool, hdr http.Header, serveArgs []string) (loadgen.Target, error) {
	t := loadgen.Target{Name: strings.Join(words, " "), Headers: hdr, Stdio: stdio}
	if w := words[0]; strings.HasPrefix(w, "http://") || strings.HasPrefix(w, "https://") {
		if len(words) > 1 || stdio {
			return t, usageErrorf("bench: a URL is a target of its own, without --stdio or more paths: %q", t.Name)
		}
		t.URL = w
		return t, nil
	}
	if isProgram(words[0]) {
		// A server of any kind: on stdio, or over HTTP logging the
		// "serving Streamable HTTP" line with its url, as mcpgen does.
		t.Command = words
		return t, nil
	}
	for _, p := range words {
		if _, err := os.Stat(p); err != nil {
			return t, usageErrorf("bench: %q is neither a URL nor a configuration path: %v", p, err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return t, err
	}
	// Loopback and a free port: the server the bench starts is its own.
	t.Command = append([]string{exe, "serve"}, serveArgs...)
	if stdio {
		t.Command = append(t.Command, "--stdio")
	} else {
		t.Command = append(t.Command, "--listen", "127.0.0.1:0")
	}
	t.Command = append(append(t.Command, "--"), words...)
	return t, nil
}

// isProgram tells a program to run from a configuration path.
func isProgram(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 && filepath.Ext(p) != ".hcl"
}
