package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

func TestReadBuildInfo(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.1",
		Main:      debug.Module{Path: "github.com/mcpgen/mcpgen", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	b := readBuildInfo(vcs, "")
	if b.Version != "v1.4.0" || b.Revision != "0123456789abcdef0123456789abcdef01234567" || b.CommitTime != "2026-12-01T10:00:00Z" ||
		b.Modified == nil || !*b.Modified || b.GoVersion != "go1.26.1" || b.modifiedLabel() != "true" {
		t.Errorf("from VCS settings: %+v", b)
	}
	if want := "0123456789abcdef0123456789abcdef01234567 (2026-12-01T10:00:00Z), modified: built from a tree with uncommitted changes"; b.commit() != want {
		t.Errorf("commit line %q, want %q", b.commit(), want)
	}
	if b := readBuildInfo(vcs, "v2.0.0"); b.Version != "v2.0.0" {
		t.Errorf("-ldflags -X main.version does not win: %q", b.Version)
	}
	b = readBuildInfo(&debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"}}, "")
	if b.Revision != "" || b.Modified != nil || b.modifiedLabel() != "unknown" || !strings.HasPrefix(b.commit(), "unknown: built without VCS information") {
		t.Errorf("without VCS settings: %+v, commit %q", b, b.commit())
	}
	if b := readBuildInfo(nil, ""); b.Version != "(devel)" || !slices.Equal(b.Protocols, mcp.ValidProtocolVersions) {
		t.Errorf("without build information: %+v", b)
	}
}

// The test binary is built without VCS information, as `go run` is: the
// version says so rather than printing nothing.
func TestVersionCommand(t *testing.T) {
	out, err := mainCommand(nil, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"mcpgen ",
		"\ncommit: unknown: built without VCS information",
		"\ngo: " + runtime.Version() + "\n",
		"\nmcp: " + strings.Join(mcp.ValidProtocolVersions, ", ") + "\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("mcpgen version lacks %q:\n%s", want, out)
		}
	}
	out, err = mainCommand(nil, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	if got["go_version"] != runtime.Version() || got["revision"] != "" || got["modified"] != nil || len(got["mcp_protocol_versions"].([]any)) != len(mcp.ValidProtocolVersions) {
		t.Errorf("version --json = %s", out)
	}
}

// A binary built with go build says what it was built from: the version
// given with -ldflags, and the commit when the checkout lets the toolchain
// read one (a .git directory; go does not read a git worktree's .git file).
func TestVersionOfBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mcpgen")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "mcpgen")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7", "-o", bin, ".")
	info, statErr := os.Stat(filepath.Join(root, ".git"))
	readable := statErr == nil && info.IsDir()
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs="+map[bool]string{true: "true", false: "false"}[readable])
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got buildInfo
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Version != "v9.8.7" || got.GoVersion == "" {
		t.Errorf("version --json = %s; want v9.8.7 and a Go version", out)
	}
	if !readable {
		if got.Revision != "" {
			t.Errorf("revision %q from a tree go cannot read", got.Revision)
		}
		return
	}
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != strings.TrimSpace(string(head)) || got.Modified == nil {
		t.Errorf("revision %q modified %v, want %s", got.Revision, got.Modified, head)
	}
}

// serve logs what runs at start and exposes it as mcpgen_build_info, over
// HTTP and stdio alike.
func TestServeBuildInfo(t *testing.T) {
	s := startHTTP(t, sqliteBackend().env(t), technova)
	f := scrape(t, strings.TrimSuffix(s.url, "/mcp")+"/metrics")
	labels := map[string]string{"version": "(devel)", "revision": "", "modified": "unknown", "go_version": runtime.Version()}
	if got := sample(f, "mcpgen_build_info", labels); got != 1 {
		t.Errorf("mcpgen_build_info%v = %v, want 1; got %v", labels, got, f["mcpgen_build_info"].GetMetric())
	}
	for name, logs := range map[string]*logLines{"http": s.logs, "stdio": startStdio(t, sqliteBackend().env(t), technova).logs} {
		line := logs.await(t, `"message":"mcpgen starting"`)
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("%s: %v: %s", name, err, line)
		}
		if got["go_version"] != runtime.Version() || got["modified"] != "unknown" || got["revision_note"] != "built without VCS information" ||
			len(got["mcp_protocol_versions"].([]any)) != len(mcp.ValidProtocolVersions) {
			t.Errorf("%s: start line %s", name, line)
		}
	}
}
