package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/internal/fixture"
	"github.com/mcpgen/mcpgen/runtime"
)

// A file as an editor might leave it: unaligned, trailing blanks, blocks
// run together, a flush heredoc indented too far, a << heredoc whose
// indentation is its value.
const messy = `source "sql"   "db" {
    driver="sqlite"   
  dsn = "file:fmt?mode=memory"    # in memory
}
tool "hello" {
  description = <<-EOT
          Says hello.
            Indented on purpose.
          EOT
  source = source.sql.db


  sql = <<SQL
    SELECT 'hello' AS greeting
SQL
}
`

const tidy = `source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:fmt?mode=memory" # in memory
}

tool "hello" {
  description = <<-EOT
    Says hello.
      Indented on purpose.
  EOT
  source      = source.sql.db

  sql = <<SQL
    SELECT 'hello' AS greeting
SQL
}
`

func runMain(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	code = ExitCode(err, &errOut)
	return out.String(), errOut.String(), code
}

func TestFmtCommand(t *testing.T) {
	dir := t.TempDir()
	messyFile := filepath.Join(dir, "messy.hcl")
	tidyFile := filepath.Join(dir, "tidy.hcl")
	brokenFile := filepath.Join(dir, "broken.hcl")
	for name, text := range map[string]string{messyFile: messy, tidyFile: tidy, brokenFile: "tool \"x\" {\n  sql = \n}\n"} {
		if err := os.WriteFile(name, []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// --check lists what would change, changes nothing, and fails.
	out, errOut, code := runMain(t, "", "fmt", "--check", messyFile, tidyFile)
	if code != exitConfig || out != messyFile+"\n" || errOut != "" {
		t.Errorf("fmt --check: exit %d, stdout %q, stderr %q; want exit 1 listing only %s", code, out, errOut, messyFile)
	}
	if read(messyFile) != messy {
		t.Errorf("fmt --check changed %s", messyFile)
	}
	out, _, code = runMain(t, "", "fmt", "--check", tidyFile)
	if code != exitOK || out != "" {
		t.Errorf("fmt --check on a formatted file: exit %d, stdout %q", code, out)
	}

	// --diff with --check: the name and a unified diff.
	out, _, code = runMain(t, "", "fmt", "--check", "--diff", messyFile)
	for _, want := range []string{"--- " + messyFile + "\n+++ " + messyFile + " (formatted)\n", "-    driver=\"sqlite\"   \n", "+  driver = \"sqlite\"\n", "+      Indented on purpose.\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("fmt --check --diff: stdout lacks %q:\n%s", want, out)
		}
	}
	if code != exitConfig || read(messyFile) != messy {
		t.Errorf("fmt --check --diff: exit %d (want 1), or the file changed", code)
	}

	// A file that does not parse is a diagnostic and stays as it is; the
	// others are still formatted.
	out, errOut, code = runMain(t, "", "fmt", dir)
	if code != exitConfig || !strings.Contains(errOut, brokenFile+":2:") || out != messyFile+"\n" {
		t.Errorf("fmt DIR: exit %d, stdout %q, stderr %q; want exit 1, %s listed, a diagnostic at %s:2", code, out, errOut, messyFile, brokenFile)
	}
	if got := read(messyFile); got != tidy {
		t.Errorf("fmt wrote\n%s\nwant\n%s", got, tidy)
	}
	if got := read(brokenFile); got != "tool \"x\" {\n  sql = \n}\n" {
		t.Errorf("fmt changed a file that does not parse: %q", got)
	}
	if info, err := os.Stat(messyFile); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("the rewritten file's mode: %v, %v; want 0640", info.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	// - formats stdin to stdout.
	out, _, code = runMain(t, messy, "fmt", "-")
	if code != exitOK || out != tidy {
		t.Errorf("fmt -: exit %d, stdout\n%s\nwant\n%s", code, out, tidy)
	}
	if _, _, code = runMain(t, messy, "fmt", "--check", "-"); code != exitConfig {
		t.Errorf("fmt --check - on a messy stdin: exit %d, want 1", code)
	}

	if _, errOut, code = runMain(t, "", "fmt"); code != exitUsage || !strings.Contains(errOut, "name at least one") {
		t.Errorf("fmt without paths: exit %d, stderr %q", code, errOut)
	}
}

// formattedTrees are the configurations kept in the canonical layout
// (scripts/test.sh checks them with mcpgen fmt --check too).
var formattedTrees = []string{
	"../../examples/*.hcl",
	"../../hcl/testdata/valid/*.hcl",
	"testdata/*/*.hcl",
}

func TestFmtExamplesAreFormatted(t *testing.T) {
	for _, pattern := range formattedTrees {
		for _, file := range fixture.Glob(t, pattern) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if ok, diags := cfg.Formatted(file, src); !ok || diags.HasErrors() {
				t.Errorf("%s is not formatted (%v): run mcpgen fmt on it", file, diags)
			}
		}
	}
}

// Formatting changes layout, never meaning: every configuration that
// loads builds to the same Surface, byte for byte, before and after every
// file under it is formatted, but for where things are declared.
func TestFmtPreservesMeaning(t *testing.T) {
	// The trees are copied whole, so that file() finds what it reads.
	trees := map[string]string{"examples": "../../examples", "valid": "../../hcl/testdata/valid", "testdata": "testdata"}
	configs := []struct {
		paths []string
		env   map[string]string
	}{
		{paths: []string{"examples/technova.hcl"}},
		{paths: []string{"examples/conformance.hcl"}},
		{paths: []string{"valid"}, env: map[string]string{"MCPGEN_TEST_PASSWORD": "hunter2-secret"}},
		{paths: []string{"testdata/e2e/auth.hcl"}},
		{paths: []string{"testdata/e2e/edges.hcl", "testdata/e2e/edges_binds.hcl"}},
		{paths: []string{"testdata/e2e/primitives.hcl"}},
		{paths: []string{"testdata/e2e/proxy.hcl"}},
		{paths: []string{"testdata/e2e/slow.hcl"}},
		{paths: []string{"testdata/e2e/tls.hcl"}},
		{paths: []string{"examples/technova.hcl", "testdata/e2e/audit.hcl"}, env: map[string]string{"AUDIT_PATH": "TMP/audit.log"}},
		{paths: []string{"examples/technova.hcl", "testdata/e2e/sneaky.hcl"}},
		{paths: []string{"testdata/e2e/edges_ready.hcl", "testdata/e2e/edges_ready_required.hcl"}, env: map[string]string{
			"TECHNOVA_ISSUER": "https://issuer.example", "TECHNOVA_JWKS_URL": "https://issuer.example/jwks.json", "READY_UPSTREAM_URL": "http://127.0.0.1:1"}},
		{paths: []string{"testdata/e2e/edges_upstream.hcl"}, env: map[string]string{
			"EDGES_UPSTREAM_URL": "http://127.0.0.1:1", "EDGES_BEARER_TOKEN": "t", "EDGES_BASIC_CREDENTIALS": "b"}},
		{paths: []string{"testdata/e2e/upstream.hcl"}, env: map[string]string{"E2E_UPSTREAM_URL": "http://127.0.0.1:1", "E2E_SERVER_TOKEN": "t"}},
		{paths: []string{"testdata/bench/orders.hcl"}, env: map[string]string{"BENCH_DB": "file:TMP/bench.db"}},
		{paths: []string{"testdata/bench/guarded.hcl"}, env: map[string]string{
			"BENCH_DB": "file:TMP/bench.db", "BENCH_ISSUER": "https://issuer.example", "BENCH_JWKS_URL": "https://issuer.example/jwks.json"}},
		{paths: []string{"testdata/bench/orders.hcl", "testdata/bench/limits.hcl"}, env: map[string]string{"BENCH_DB": "file:TMP/bench.db"}},
		{paths: []string{"testdata/limits/http.hcl"}},
		{paths: []string{"testdata/limits/limits.hcl"}, env: map[string]string{"LIMITS_DB": "file:TMP/limits.db"}},
		{paths: []string{"testdata/limits/no_block.hcl"}, env: map[string]string{"LIMITS_DB": "file:TMP/limits.db"}},
		{paths: []string{"testdata/limits/redis.hcl"}, env: map[string]string{"REDIS_URL": "redis://127.0.0.1:1"}},
		{paths: []string{"testdata/limits/redis_allow.hcl"}, env: map[string]string{"REDIS_URL": "redis://127.0.0.1:1"}},
	}

	before, after, scratch := t.TempDir(), t.TempDir(), t.TempDir()
	for name, src := range trees {
		copyTree(t, src, filepath.Join(before, name))
		copyTree(t, src, filepath.Join(after, name))
	}
	formatted := 0
	err := filepath.WalkDir(after, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".hcl" {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// Scrambled first, so that formatting has work to do even on
		// files that are already tidy.
		out, diags := cfg.Format(path, scramble(src))
		if diags.HasErrors() {
			t.Errorf("%s: %v", path, diags)
			return nil
		}
		formatted++
		return os.WriteFile(path, out, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if formatted < 20 {
		t.Fatalf("formatted %d files; the trees moved?", formatted)
	}

	for _, c := range configs {
		t.Run(strings.Join(c.paths, "+"), func(t *testing.T) {
			for k, v := range c.env {
				// Files a configuration names, the same for both builds.
				t.Setenv(k, strings.ReplaceAll(v, "TMP", scratch))
			}
			want := surfaceJSON(t, before, c.paths)
			got := surfaceJSON(t, after, c.paths)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("the surface changed with formatting:\n%s", firstDifference(string(w), string(g)))
			}
		})
	}
}

// scramble undoes a formatter's work without changing meaning: it
// indents every line that is not inside a heredoc by a different amount
// and adds blank lines and trailing spaces where they mean nothing.
func scramble(src []byte) []byte {
	var b strings.Builder
	inHeredoc := ""
	for i, line := range strings.SplitAfter(string(src), "\n") {
		text := strings.TrimSuffix(line, "\n")
		switch {
		case inHeredoc != "":
			if strings.TrimSpace(text) == inHeredoc {
				inHeredoc = ""
			} else if strings.HasPrefix(inHeredoc, "-") && strings.TrimSpace(text) != "" {
				// A flush heredoc moved as a whole; its lines of only
				// spaces are in its value as they are.
				text = " " + text
			}
			b.WriteString(text + "\n")
			continue
		case strings.Contains(text, "<<"):
			marker := text[strings.Index(text, "<<")+2:]
			flush := strings.HasPrefix(marker, "-")
			marker = strings.TrimPrefix(marker, "-")
			inHeredoc = strings.TrimSpace(marker)
			if flush {
				inHeredoc = "-" + inHeredoc
			}
		}
		if inHeredoc == "" && text == "" {
			b.WriteString("\n\n") // blank lines doubled
			continue
		}
		trailing := strings.Repeat(" ", i%2)
		if inHeredoc != "" { // a heredoc's marker ends its line
			trailing = ""
		}
		b.WriteString(strings.Repeat(" ", i%3) + strings.TrimLeft(text, " ") + trailing + "\n")
	}
	return []byte(strings.TrimSuffix(b.String(), "\n"))
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// surfaceJSON builds paths under root offline and returns the Surface as
// JSON values, without the declared positions.
func surfaceJSON(t *testing.T, root string, paths []string) any {
	t.Helper()
	full := make([]string, len(paths))
	for i, p := range paths {
		full[i] = filepath.Join(root, p)
	}
	secrets := &cfg.Secrets{}
	gen, diags := runtime.Build(context.Background(), full, runtime.BuildOptions{
		Mode: runtime.BuildOffline, Log: runtime.NewLogger(io.Discard, secrets, runtime.ParseLevel("error")), Secrets: secrets,
	})
	if diags.HasErrors() {
		var b strings.Builder
		cfg.WriteDiagnostics(&b, diags)
		t.Fatalf("build %s:\n%s", root, b.String())
	}
	defer gen.Close()
	raw, err := json.Marshal(gen.Surface())
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return withoutKey(v, "declared")
}

func withoutKey(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		delete(x, key)
		for k, e := range x {
			x[k] = withoutKey(e, key)
		}
	case []any:
		for i, e := range x {
			x[i] = withoutKey(e, key)
		}
	}
	return v
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			return "line " + strconv.Itoa(i+1) + ":\n want " + w[i] + "\n  got " + g[i]
		}
	}
	return "lengths differ"
}

// A directory's test files are in the same language and layout as its
// configuration: fmt formats them too, and a directory of test files alone
// is something to format, not a mistake.
func TestFmtDirectoryIncludesTestFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.hcl"), []byte(tidy), 0o644); err != nil {
		t.Fatal(err)
	}
	messyTest := "principal   \"p\" {\n    subject=\"x\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "app.test.hcl"), []byte(messyTest), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, code := runMain(t, "", "fmt", "--check", dir)
	if code != 1 || !strings.Contains(stdout, "app.test.hcl") || strings.Contains(stdout, "app.hcl\n") {
		t.Fatalf("fmt --check %s: exit %d, listed:\n%s\nwant exit 1 listing only app.test.hcl", dir, code, stdout)
	}
	if err := os.Remove(filepath.Join(dir, "app.hcl")); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runMain(t, "", "fmt", dir); code != 0 {
		t.Fatalf("fmt on a directory of test files: exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(filepath.Join(dir, "app.test.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "principal \"p\" {\n  subject = \"x\"\n}\n"; string(got) != want {
		t.Errorf("formatted test file:\n%s\nwant:\n%s", got, want)
	}
}
