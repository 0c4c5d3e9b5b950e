package main

// End-to-end tests of mcpgen.lock: a real server process watching a
// locked configuration, a real MCP client over Streamable HTTP; and the
// diff and lock commands as CI runs them.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/review/lock"
	"github.com/mcpgen/mcpgen/runtime"
)

// lockedShop is a configuration whose tool "recent" answers v.
func lockedShop(description string, v int) string {
	return fmt.Sprintf(`source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:locked?mode=memory&cache=shared"
}

tool "recent" {
  description = %q
  source      = source.sql.mem
  sql         = "SELECT %d AS v"
  result { one = true }
}

tool "old_recent" {
  description = "Recent orders, the old way."
  deprecated  = "use recent instead; removed after 2026-03-01"
  source      = source.sql.mem
  sql         = "SELECT 0 AS v"
  result { one = true }
}
`, description, v)
}

// runCLI runs one mcpgen command in process and returns its exit code and
// output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return ExitCode(err, &stderr), stdout.String(), stderr.String()
}

func listTools(t *testing.T, s *server) map[string]mcp.Tool {
	t.Helper()
	list, err := s.client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	tools := map[string]mcp.Tool{}
	for _, tool := range list.Tools {
		tools[tool.Name] = tool
	}
	return tools
}

func metaString(tool mcp.Tool, key string) string {
	if tool.Meta == nil {
		return ""
	}
	s, _ := tool.Meta.AdditionalFields[key].(string)
	return s
}

// lockedHashes are the client hashes mcpgen.lock records, by tool.
func lockedHashes(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := lock.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]string{}
	for _, e := range f.Entries {
		if e.Kind == "tool" {
			hashes[e.Name] = e.ClientHash
		}
	}
	return hashes
}

// TestLockedReload: a server started on a locked configuration publishes
// each tool's definition hash, the one in mcpgen.lock. An edit under
// --watch that changes the surface is refused, each drifted item named at
// its file:line:col, and the old surface serves on; locking the reviewed
// change lets the next reload through; a lock file that disappears
// refuses reloads.
func TestLockedReload(t *testing.T) {
	dir := t.TempDir()
	conf := newConfigFile(t, dir, "shop.hcl", lockedShop("Recent orders.", 1))
	lockPath := filepath.Join(dir, lock.Name)
	if code, out, errOut := runCLI(t, "lock", dir); code != exitOK || !strings.Contains(out, "wrote "+lockPath+": 3 items") {
		t.Fatalf("lock: exit %d\n%s%s", code, out, errOut)
	}
	locked := lockedHashes(t, lockPath)

	s := startHTTP(t, nil, "--watch", dir)
	s.logs.awaitAll(t, "the surface is checked against its lock file", lockPath)
	tools := listTools(t, s)
	for name, want := range locked {
		if got := metaString(tools[name], runtime.MetaDefinitionHash); got != want {
			t.Errorf("%s: tools/list publishes %q, mcpgen.lock records %q", name, got, want)
		}
	}
	old := tools["old_recent"]
	if notice := "use recent instead; removed after 2026-03-01"; metaString(old, runtime.MetaDeprecated) != notice ||
		old.Description != "Deprecated: "+notice+"\n\nRecent orders, the old way." {
		t.Errorf("the deprecated tool reads %q, _meta %v", old.Description, old.Meta)
	}

	// An unreviewed edit: refused, and the old surface serves on.
	conf.replace(t, lockedShop("Recent orders, and more.", 2))
	edited := configHash(t, dir)
	s.logs.rejected(t, edited)
	line := s.logs.awaitAll(t, `"config_hash":"`+edited+`"`, `changed since mcpgen.lock was written`)
	for _, want := range []string{conf.path + ":6:1: tool \\\"recent\\\" changed", "the statement changed (medium); description changed (low)"} {
		if !strings.Contains(line, want) {
			t.Errorf("the refusal %s does not say %q", line, want)
		}
	}
	tools = listTools(t, s)
	if d := tools["recent"].Description; d != "Recent orders." || metaString(tools["recent"], runtime.MetaDefinitionHash) != locked["recent"] {
		t.Errorf("after the refused reload tools/list shows %q", d)
	}
	if v := ok(t, call(t, s.client, "recent", nil))["v"]; v != float64(1) {
		t.Errorf("after the refused reload the tool answers %v, want the locked 1", v)
	}

	// The change reviewed and locked: the lock file's change reloads.
	if code, out, errOut := runCLI(t, "lock", "--check", dir); code != exitDiffers || !strings.Contains(out, `tool "recent" changed [medium]`) {
		t.Errorf("lock --check: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "lock", dir); code != exitOK {
		t.Fatalf("lock: %s", errOut)
	}
	s.logs.reloaded(t, edited)
	if v := ok(t, call(t, s.client, "recent", nil))["v"]; v != float64(2) {
		t.Errorf("after locking, the tool answers %v, want 2", v)
	}
	if got, want := metaString(listTools(t, s)["recent"], runtime.MetaDefinitionHash), lockedHashes(t, lockPath)["recent"]; got != want || got == locked["recent"] {
		t.Errorf("after locking, tools/list publishes %q, the lock file %q (before: %q)", got, want, locked["recent"])
	}

	// The lock file removed: a reload is refused, not waved through.
	if err := os.Remove(lockPath); err != nil {
		t.Fatal(err)
	}
	s.logs.awaitAll(t, "The lock file is gone", lockPath)
	if v := ok(t, call(t, s.client, "recent", nil))["v"]; v != float64(2) {
		t.Errorf("after the lock file went, the tool answers %v", v)
	}
}

// TestServeLocked: serve refuses to start on a configuration that drifted
// from its lock file, naming the item; --no-lock serves it with a warning.
func TestServeLocked(t *testing.T) {
	dir := t.TempDir()
	conf := newConfigFile(t, dir, "shop.hcl", lockedShop("Recent orders.", 1))
	if code, _, errOut := runCLI(t, "lock", conf.path); code != exitOK {
		t.Fatal(errOut)
	}
	if code, out, _ := runCLI(t, "lock", "--check", conf.path); code != exitOK || !strings.Contains(out, "ok: the surface matches") {
		t.Errorf("lock --check on the locked files: exit %d %s", code, out)
	}
	conf.write(t, strings.Replace(lockedShop("Recent orders.", 1), "  result { one = true }\n}\n\ntool \"old_recent\"", "  read_only = false\n  result { one = true }\n}\n\ntool \"old_recent\"", 1))

	code, _, errOut := runCLI(t, "serve", "--stdio", conf.path)
	if code != exitConfig || !strings.Contains(errOut, conf.path+`:6:1: tool "recent" changed since mcpgen.lock was written; a read-only tool now writes (read_only = false) (high); `) {
		t.Errorf("serve on a drifted configuration: exit %d\n%s", code, errOut)
	}
	// stdin is empty: a stdio server that starts ends at once.
	code, _, errOut = runCLI(t, "serve", "--stdio", "--no-lock", conf.path)
	if code != exitOK || !strings.Contains(errOut, "--no-lock: serving without checking the surface against its lock file") {
		t.Errorf("serve --no-lock: exit %d\n%s", code, errOut)
	}
}

// TestDiffCommand: diff's exit codes and formats, against a git revision
// as CI runs it.
func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if err := os.MkdirAll("conf", 0o700); err != nil {
		t.Fatal(err)
	}
	conf := newConfigFile(t, filepath.Join(dir, "conf"), "shop.hcl", lockedShop("Recent orders.", 1))
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("commit", "-q", "-m", "base")

	// Reformatted only: equal.
	conf.write(t, "# the same, reformatted\n"+strings.Replace(lockedShop("Recent orders.", 1), `sql         = "SELECT 1 AS v"`, `sql = <<-SQL
    SELECT 1
        AS v
  SQL`, 1))
	if code, out, errOut := runCLI(t, "diff", "git:main", "conf"); code != exitOK || !strings.Contains(out, "the surfaces are equal") {
		t.Errorf("reformatted: exit %d\n%s%s", code, out, errOut)
	}

	conf.write(t, strings.Replace(lockedShop("Recent orders.", 1), "tool \"old_recent\"", "tool \"older_recent\"", 1))
	code, out, errOut := runCLI(t, "diff", "--format", "json", "git:main", "conf")
	var report struct {
		Old, New string
		Risk     string
		Breaking bool
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || code != exitDiffers {
		t.Fatalf("json: exit %d %v\n%s%s", code, err, out, errOut)
	}
	if report.Old != "git:main:conf" || report.New != "conf" || report.Risk != "medium" || report.Breaking {
		// old_recent was deprecated and its date has passed: not breaking.
		t.Errorf("report %+v", report)
	}
	if code, out, _ := runCLI(t, "diff", "--format", "markdown", "git:main:conf/shop.hcl", conf.path); code != exitDiffers ||
		!strings.Contains(out, "| tool `older_recent` | added | medium |  |") {
		t.Errorf("markdown: exit %d\n%s", code, out)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", "conf"}, "name two configurations"},
		{[]string{"diff", "git:main", "git:main"}, "name the configuration's path on one side"},
		{[]string{"diff", "--format", "yaml", "git:main", "conf"}, "use text, markdown or json"},
		{[]string{"diff", "git:nosuch", "conf"}, `there is no git revision "nosuch"`},
		{[]string{"diff", "conf", "../../testdata/invalid/params.hcl"}, "the configuration has errors"},
		{[]string{"lock", "--check", "conf/nosuch"}, "Cannot read configuration"},
		{[]string{"lock", "--check", "conf"}, "there is no conf/mcpgen.lock: run `mcpgen lock`"},
	} {
		if code, _, errOut := runCLI(t, tt.args...); code != exitReviewError || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, want %d and %q:\n%s", tt.args, code, exitReviewError, tt.want, errOut)
		}
	}
}
