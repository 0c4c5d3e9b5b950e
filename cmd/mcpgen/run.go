package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	// Adapters register themselves by source type.
	_ "github.com/mcpgen/mcpgen/adapters/http"
	_ "github.com/mcpgen/mcpgen/adapters/mcp"
	_ "github.com/mcpgen/mcpgen/adapters/sql"
	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

// Exit codes, documented in README.md.
const (
	exitOK      = 0
	exitConfig  = 1 // the configuration has errors, or a source did not open
	exitUsage   = 2 // the command line is wrong
	exitRuntime = 3 // serving failed after loading: the address is taken...
)

const usage = `mcpgen serves MCP tools declared in HCL files.

Usage:
  mcpgen serve [flags] PATH...      serve the tools (Streamable HTTP, or --stdio)
  mcpgen validate [--offline] PATH...
                                    check the configuration and every statement
  mcpgen tools [--offline] [--surface] PATH...
                                    print the tools/list a client will see
  mcpgen lint [--format text|json|sarif] [--strict] PATH...
                                    review the configuration for tool poisoning,
                                    authorization, cost and hygiene smells
  mcpgen test [--run REGEX] [--format text|junit] [PATH...]
                                    run the cases of *.test.hcl files against
                                    the configuration, on fixtures and stubs
  mcpgen diff [--format F] OLD NEW  the change of the tool surface, with risks;
                                    OLD and NEW: a path, git:REF or git:REF:PATH
  mcpgen access [--principals FILE] [--format F] PATH...
                                    who may call what: principals x entries
  mcpgen surface -o FILE [--principals FILE] [--base OLD] PATH...
                                    the reviewer's page: one self-contained HTML file
  mcpgen lock [--check] PATH...     write mcpgen.lock beside the configuration,
                                    or check the surface against it
  mcpgen init [--from-db DSN] [-o DIR] [--dry-run]
                                    write a starter configuration, from a
                                    database's schema or a minimal example
  mcpgen fmt [--check] [--diff] PATH...
                                    rewrite the files in the canonical layout
  mcpgen apikey [--hash]            make an API key and the hash to configure
  mcpgen bench URL|PATH... --tool NAME [--args JSON] [-c 16] [-d 10s | -n N]
                                    load a server with tools/call and report
                                    calls/s, latency, errors, server CPU
  mcpgen version                    print the version

A PATH is an .hcl file or a directory of them; all of them load as one
configuration. Run "mcpgen COMMAND --help" for a command's flags.

Exit codes: 0 ok, 1 configuration errors (or a source did not open),
2 usage errors, 3 serving failed. diff and lock --check: 0 equal,
1 different, 2 errors.
`

// exitError carries an exit code. Its message, if any, is printed once.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// errConfig means diagnostics were already printed.
var errConfig = &exitError{code: exitConfig}

// ExitCode maps Run's error to the process exit code, printing what was not
// printed yet.
func ExitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "mcpgen: "+ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "mcpgen: "+err.Error())
	return exitRuntime
}

// Run runs one mcpgen command. main and the tests both call it.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{code: exitUsage}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdin, stdout, stderr)
	case "validate":
		return runValidate(ctx, rest, stdout, stderr)
	case "tools":
		return runTools(ctx, rest, stdout, stderr)
	case "lint":
		return runLint(ctx, rest, stdout, stderr)
	case "test":
		return runTest(ctx, rest, stdout, stderr)
	case "diff":
		return runDiff(ctx, rest, stdout, stderr)
	case "access":
		return runAccess(ctx, rest, stdout, stderr)
	case "surface":
		return runSurface(ctx, rest, stdout, stderr)
	case "lock":
		return runLock(ctx, rest, stdout, stderr)
	case "init":
		return runInit(ctx, rest, stdout, stderr)
	case "fmt":
		return runFmt(rest, stdin, stdout, stderr)
	case "apikey":
		return runAPIKey(rest, stdin, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "version":
		return runVersion(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageErrorf("unknown command %q", cmd)
}

// command is one subcommand's flags. --help prints its usage to stdout;
// a bad flag is reported on stderr as a usage error. Flags may come before
// or after the paths.
type command struct {
	*flag.FlagSet
	synopsis       string
	stdout, stderr io.Writer
	paths          []string
}

func newCommand(name, synopsis string, stdout, stderr io.Writer) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &command{FlagSet: fs, synopsis: synopsis, stdout: stdout, stderr: stderr}
	fs.Usage = func() {} // printed by parse, to the right stream
	return c
}

func (c *command) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: mcpgen %s\n\n", c.synopsis)
	c.SetOutput(w)
	c.PrintDefaults()
	c.SetOutput(c.stderr)
}

// parse reports help (printed, nothing else to do) or a usage error.
func (c *command) parse(args []string) (help bool, err error) {
	for {
		if err := c.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.usage(c.stdout)
				return true, nil
			}
			c.usage(c.stderr)
			return false, &exitError{code: exitUsage}
		}
		rest := c.Args()
		// The flag package ate a "--": everything after it is a path,
		// even what looks like a flag (a program's own arguments).
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			c.paths = append(c.paths, rest...)
			return false, nil
		}
		args = rest
		// Everything up to the next flag is a path; then parse again.
		i := 0
		for i < len(args) && (!strings.HasPrefix(args[i], "-") || args[i] == "-") {
			i++
		}
		c.paths = append(c.paths, args[:i]...)
		if i == len(args) {
			return false, nil
		}
		if args[i] == "--" {
			c.paths = append(c.paths, args[i+1:]...)
			return false, nil
		}
		args = args[i:]
	}
}

func (c *command) needPaths() ([]string, error) {
	if len(c.paths) == 0 {
		return nil, usageErrorf("%s: name at least one .hcl file or directory", c.Name())
	}
	return c.paths, nil
}

// parseAndBuild parses args and builds the configuration its paths name
// in mode, printing its diagnostics to stderr. A nil generation with a nil
// error means --help was printed.
func (c *command) parseAndBuild(ctx context.Context, args []string, mode func() runtime.BuildMode) (*runtime.Generation, error) {
	if help, err := c.parse(args); help || err != nil {
		return nil, err
	}
	return c.build(ctx, mode())
}

// build builds the configuration the parsed paths name in mode, printing
// its diagnostics to stderr.
func (c *command) build(ctx context.Context, mode runtime.BuildMode) (*runtime.Generation, error) {
	paths, err := c.needPaths()
	if err != nil {
		return nil, err
	}
	secrets := &cfg.Secrets{}
	gen, diags := runtime.Build(ctx, paths, runtime.BuildOptions{
		Mode:    mode,
		Log:     runtime.NewLogger(c.stderr, secrets, runtime.ParseLevel("warn")),
		Secrets: secrets,
	})
	cfg.WriteDiagnostics(c.stderr, diags)
	if diags.HasErrors() {
		return nil, errConfig
	}
	return gen, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, strings.TrimSuffix(word, "s"))
}
