package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mcpgen/mcpgen/review/lint"
	"github.com/mcpgen/mcpgen/review/page"
)

// mainReportingBuilt is main, writing to path, once Run returns, how many
// of review/lint's and review/page's values built on first use the
// process built (TestServeStartBuildsNoLintOrPage).
func mainReportingBuilt(path string) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	report := fmt.Sprintf("lint=%d page=%d\n", lint.Built(), page.Built())
	if werr := os.WriteFile(path, []byte(report), 0o600); werr != nil {
		fmt.Fprintln(os.Stderr, werr)
		os.Exit(1)
	}
	os.Exit(ExitCode(err, os.Stderr))
}

// initLine is a line of GODEBUG=inittrace=1: the package and what its
// initialisation allocated.
var initLine = regexp.MustCompile(`^init (\S+) @.* (\d+) bytes, (\d+) allocs$`)

// TestServeStartBuildsNoLintOrPage: `mcpgen serve` never lints nor
// writes a review page, so starting a server must not build what those
// need. A real server (TechNova on SQLite, Streamable HTTP) answers
// initialize and is stopped with SIGTERM; it then reports that it built
// none of review/lint's or review/page's values built on first use, and
// its GODEBUG=inittrace=1 output shows that neither package allocated at
// initialisation (an eager package-level regexp.MustCompile or template
// would).
func TestServeStartBuildsNoLintOrPage(t *testing.T) {
	// The counters count: using the packages in this process moves them.
	if lint.Rules(); lint.Built() == 0 {
		t.Fatal("lint.Built() = 0 after listing the rules")
	}
	if page.CSP(); page.Built() != 1 {
		t.Fatalf("page.Built() = %d after the CSP was asked for, want 1", page.Built())
	}

	report := filepath.Join(t.TempDir(), "built")
	env := append(sqliteBackend().env(t), "MCPGEN_E2E_BUILT="+report, "GODEBUG=inittrace=1")
	s := startHTTP(t, env, technova)
	s.client.Close()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.logs.awaitEnd()
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("server after SIGTERM: %v; log:\n%s", err, s.logs)
	}

	got, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "lint=0 page=0\n" {
		t.Errorf("serve built %q of review/lint and review/page, want none", strings.TrimSpace(string(got)))
	}

	seen := 0
	for _, line := range strings.Split(s.logs.String(), "\n") {
		m := initLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		seen++
		bytes, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "github.com/mcpgen/mcpgen/review/lint", "github.com/mcpgen/mcpgen/review/page":
			if bytes != 0 {
				t.Errorf("%s allocates %s bytes in %s allocations at initialisation, want none", m[1], m[2], m[3])
			}
		}
	}
	if seen == 0 {
		t.Fatalf("no inittrace line in the server's log:\n%s", s.logs)
	}
}

// awaitEnd blocks until the process has closed the stream being
// collected.
func (l *logLines) awaitEnd() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.done {
		l.cond.Wait()
	}
}
