package main

// mcpgen bench against real servers: its counts of calls and errors by
// class, over Streamable HTTP (sessions and stateless) and stdio, a server
// it starts itself, and --compare.

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/internal/loadgen"
	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

// bench runs `mcpgen bench ... --json` as a subprocess and decodes its
// result; a failed run fails the test with what it printed.
func bench(t *testing.T, env []string, args ...string) *loadgen.Result {
	t.Helper()
	res, stderr, err := benchRun(env, args...)
	if err != nil {
		t.Fatalf("mcpgen bench %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return res
}

func benchRun(env []string, args ...string) (*loadgen.Result, string, error) {
	cmd := mainCommand(env, append([]string{"bench", "--json"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, stderr.String(), err
	}
	var res loadgen.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, stderr.String(), errors.Join(err, errors.New(stdout.String()))
	}
	return &res, stderr.String(), nil
}

func benchEnv(t *testing.T) []string {
	return []string{"BENCH_DB=file:" + filepath.Join(t.TempDir(), "bench.db")}
}

func wantCounts(t *testing.T, r *loadgen.Report, calls int, classes map[string]int) {
	t.Helper()
	errs := 0
	for _, n := range classes {
		errs += n
	}
	if r.Calls != calls || r.Errors != errs || len(r.ErrorClasses) != len(classes) {
		t.Fatalf("%s: %d calls, %d errors %v; want %d calls, errors %v", r.Target, r.Calls, r.Errors, r.ErrorClasses, calls, classes)
	}
	for class, n := range classes {
		if r.ErrorClasses[class] != n {
			t.Fatalf("%s: errors %v, want %v", r.Target, r.ErrorClasses, classes)
		}
	}
	if r.PerSecond <= 0 || r.LatencyMs.P50 <= 0 || r.LatencyMs.Max < r.LatencyMs.P99 || r.LatencyMs.P99 < r.LatencyMs.P50 {
		t.Fatalf("%s: throughput %v, latency %+v", r.Target, r.PerSecond, r.LatencyMs)
	}
}

// TestBenchCountsEveryAnswer loads a guarded server with an API key: every
// answer is checked, and tool errors, a missing --expect text and a
// refused credential each count in a class of their own.
func TestBenchCountsEveryAnswer(t *testing.T) {
	iss := authtest.NewIssuer(t)
	env := append(benchEnv(t), "BENCH_ISSUER="+iss.URL(), "BENCH_JWKS_URL="+iss.JWKSURL())
	_, url, _ := serveProcess(t, env, "--listen", "127.0.0.1:0", "testdata/bench/guarded.hcl")
	key := "Authorization: Bearer mcpk_bench_key"
	for _, tc := range []struct {
		name    string
		args    []string
		classes map[string]int
	}{
		// acme's orders, the only ones the bind lets through, are the even ids.
		{"good", []string{"--args", `{"order_id": 2}`, "--expect", `"status"`}, nil},
		{"template", []string{"--args", `{"order_id": {{int 1 1}}}`}, map[string]int{loadgen.ClassToolError: 120}},
		{"tool errors", []string{"--args", `{"order_id": 3}`}, map[string]int{loadgen.ClassToolError: 120}},
		{"unexpected", []string{"--args", `{"order_id": 2}`, "--expect", "no such text"}, map[string]int{loadgen.ClassExpect: 120}},
		{"invalid arguments", []string{"--args", `{"order_id": 0}`}, map[string]int{loadgen.ClassToolError: 120}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := bench(t, nil, append([]string{url, "--tool", "get_order", "-n", "120", "-c", "4", "--header", key}, tc.args...)...)
			if len(res.Reports) != 1 || res.Compare != nil {
				t.Fatalf("want one report and no comparison: %+v", res)
			}
			r := res.Reports[0]
			wantCounts(t, r, 120, tc.classes)
			if r.Transport != "Streamable HTTP" || r.ServerCPUMicrosPerCall != 0 || r.StartMs != 0 {
				t.Fatalf("a server the bench did not start: %+v", r)
			}
		})
	}

	t.Run("no credential", func(t *testing.T) {
		_, stderr, err := benchRun(nil, url, "--tool", "get_order", "-n", "10")
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitRuntime || !strings.Contains(stderr, "initialize") || !strings.Contains(stderr, "401") {
			t.Fatalf("want exit %d naming initialize and 401, got %v:\n%s", exitRuntime, err, stderr)
		}
	})
}

// smallOrders is get_order on 1000 orders, quick to seed.
const smallOrders = `
source "sql" "orders" {
  driver = "sqlite"
  dsn    = env("BENCH_DB")
  seed   = <<-SQL
    CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT NOT NULL);
    INSERT INTO orders
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
    SELECT i, 'paid' FROM n;
  SQL
}

tool "get_order" {
  description = "Look up one order by its number."
  source      = source.sql.orders
  param "order_id" {
    type    = "integer"
    minimum = 1
  }
  sql = "SELECT id, status FROM orders WHERE id = :order_id"
  result { one = true }
}
`

// TestBenchStartsTheServer gives bench a configuration: it serves it
// itself, over HTTP or stdio, and reports what only then can be read.
func TestBenchStartsTheServer(t *testing.T) {
	env := benchEnv(t)
	config := filepath.Join(t.TempDir(), "orders.hcl")
	if err := os.WriteFile(config, []byte(smallOrders), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, transport string
		flags           []string
	}{
		{"http", "Streamable HTTP", nil},
		{"stateless", "Streamable HTTP, stateless", []string{"--serve-arg=--stateless"}},
		{"stdio", "stdio", []string{"--stdio"}},
		// Any program speaking stdio, with its own flags after "--": here
		// this test binary running mcpgen serve.
		{"stdio program", "stdio", []string{"--stdio", "--", os.Args[0], "serve", "--stdio", config}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--tool", "get_order", "--args", `{"order_id": {{int 1 1000}}}`, "-n", "300", "-c", "8"}
			if tc.name != "stdio program" {
				args = append(args, config)
			}
			args = append(args, tc.flags...)
			res := bench(t, env, args...)
			r := res.Reports[0]
			wantCounts(t, r, 300, nil)
			if !strings.HasPrefix(r.Transport, tc.transport) || r.StartMs <= 0 || r.IdleRSSMiB <= 0 || r.LoadRSSMiB <= 0 {
				t.Fatalf("want %s, start time and memory: %+v", tc.transport, r)
			}
			if r.IdleAnonMiB <= 0 || r.IdleAnonMiB > r.IdleRSSMiB || r.LoadAnonMiB <= 0 || r.LoadAnonMiB > r.LoadRSSMiB {
				t.Fatalf("want the anonymous part of each RSS: %+v", r)
			}
		})
	}
}

// TestBenchCompare alternates between a server with sessions and a
// stateless one, and reports each round and the ratios.
func TestBenchCompare(t *testing.T) {
	env := benchEnv(t)
	config := filepath.Join(t.TempDir(), "orders.hcl")
	if err := os.WriteFile(config, []byte(smallOrders), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stateful, _ := serveProcess(t, env, "--listen", "127.0.0.1:0", config)
	_, stateless, _ := serveProcess(t, env, "--listen", "127.0.0.1:0", "--stateless", config)
	res := bench(t, nil, stateful, "--compare", stateless, "--tool", "get_order",
		"--args", `{"order_id": {{int 1001 2000}}}`, "-n", "90", "-c", "3")
	if len(res.Reports) != 2 || res.Compare == nil || len(res.Compare.RoundPerSecond) != 3 {
		t.Fatalf("want two reports of 3 rounds and their ratios: %+v", res)
	}
	for _, r := range res.Reports {
		// Ids past the last order: every answer is a tool error.
		wantCounts(t, r, 90, map[string]int{loadgen.ClassToolError: 90})
		if len(r.RoundPerSec) != 3 {
			t.Fatalf("%s: rounds %v", r.Target, r.RoundPerSec)
		}
	}
	if res.Reports[0].Transport != "Streamable HTTP" || res.Reports[1].Transport != "Streamable HTTP, stateless" {
		t.Fatalf("transports %q, %q", res.Reports[0].Transport, res.Reports[1].Transport)
	}
	if res.Compare.PerSecond <= 0 || res.Compare.P99 <= 0 {
		t.Fatalf("ratios %+v", res.Compare)
	}
}

// TestBenchUsage: mistakes on the command line are usage errors that say
// what was wrong.
func TestBenchUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"http://127.0.0.1:1/mcp"}, "--tool is required"},
		{[]string{"--tool", "x"}, "name a URL"},
		{[]string{"http://127.0.0.1:1/mcp", "--tool", "x", "-d", "1s", "-n", "3"}, "-d or -n, not both"},
		{[]string{"http://127.0.0.1:1/mcp", "--tool", "x", "--header", "nocolon"}, `"nocolon": want "Name: value"`},
		{[]string{"no/such.hcl", "--tool", "x"}, `"no/such.hcl" is neither a URL nor a configuration path`},
		{[]string{"http://127.0.0.1:1/mcp", "--tool", "x", "--max-other", "-1"}, "must not be negative"},
	} {
		var stdout, stderr bytes.Buffer
		err := Run(t.Context(), append([]string{"bench"}, tc.args...), nil, &stdout, &stderr)
		if code := ExitCode(err, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("bench %v: exit %d, want %d and %q in:\n%s", tc.args, code, exitUsage, tc.want, stderr.String())
		}
	}
	var stderr bytes.Buffer
	err := Run(t.Context(), []string{"bench", "http://127.0.0.1:1/mcp", "--tool", "x", "--args", "[1]"}, nil, &bytes.Buffer{}, &stderr)
	if code := ExitCode(err, &stderr); code != exitRuntime || !strings.Contains(stderr.String(), "--args: want a JSON object") {
		t.Errorf("--args [1]: exit %d:\n%s", code, stderr.String())
	}
}
