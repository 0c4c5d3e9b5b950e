package diff_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/review/diff"
)

// gitRepo makes a repository in a new directory, commits files (name,
// text pairs) and makes it the working directory.
func gitRepo(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	runGit(t, "init", "-q", "-b", "main")
	writeTree(t, dir, files...)
	runGit(t, "add", "-A")
	runGit(t, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "base")
	return dir
}

func writeTree(t *testing.T, dir string, files ...string) {
	t.Helper()
	for i := 0; i+1 < len(files); i += 2 {
		p := filepath.Join(dir, files[i])
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[i+1]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func runGit(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

const gitConf = `
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:git?mode=memory&cache=shared"
}

tool "about" {
  description = file("../docs/about.md")
  source      = source.sql.db
  sql         = file("queries/about.sql")
}
`

// TestLoadGit: git:REF reads the configuration at a revision, with the
// files it reads with file() (in other directories too) as they were
// then; positions read REF:path.
func TestLoadGit(t *testing.T) {
	dir := gitRepo(t,
		"conf/main.hcl", gitConf,
		"conf/queries/about.sql", "SELECT 1 AS one",
		"docs/about.md", "About, as committed.",
		"conf/notes.txt", "not a configuration file")
	writeTree(t, dir,
		"docs/about.md", "About, as edited.",
		"conf/queries/about.sql", "SELECT 2 AS two")

	old, nw, err := diff.ParseSpecs("git:HEAD", "conf")
	if err != nil {
		t.Fatal(err)
	}
	if old.Label != "git:HEAD:conf" || old.Path != "conf" || nw.Ref != "" {
		t.Fatalf("specs %+v %+v", old, nw)
	}
	oldItems, diags, err := diff.Load(context.Background(), old)
	if err != nil || diags.HasErrors() {
		t.Fatalf("git:HEAD: %v %s", err, diags.Error())
	}
	newItems, diags, err := diff.Load(context.Background(), nw)
	if err != nil || diags.HasErrors() {
		t.Fatalf("conf: %v %s", err, diags.Error())
	}
	r := diff.Compare(oldItems, newItems, diff.Options{})
	check(t, r, []want{
		{`tool "about"`, diff.Changed, "description", diff.Low, false, ""},
		{`tool "about"`, diff.Changed, "statement", diff.Medium, false, ""},
	})
	for _, it := range oldItems {
		if it.Kind == diff.KindTool && it.Declared != "HEAD:conf/main.hcl:7:1" {
			t.Errorf("declared at %q, want HEAD:conf/main.hcl:7:1", it.Declared)
		}
	}
	for _, c := range r.Changes {
		for _, d := range c.Details {
			if d.Aspect == "description" && (d.Old != "About, as committed." || d.New != "About, as edited.") {
				t.Errorf("description %q -> %q", d.Old, d.New)
			}
		}
	}

	t.Run("a file at the revision, from a subdirectory", func(t *testing.T) {
		t.Chdir(filepath.Join(dir, "conf"))
		o, n, err := diff.ParseSpecs("git:HEAD:main.hcl", "main.hcl")
		if err != nil {
			t.Fatal(err)
		}
		a, diags, err := diff.Load(context.Background(), o)
		if err != nil || diags.HasErrors() {
			t.Fatalf("%v %s", err, diags.Error())
		}
		b, _, _ := diff.Load(context.Background(), n)
		if r := diff.Compare(a, b, diff.Options{}); len(r.Changes) != 1 {
			t.Errorf("changes: %s", text(t, r))
		}
	})

	errs := []struct {
		old, new string
		want     string
	}{
		{"git:nosuchref", "conf", `there is no git revision "nosuchref"`},
		{"git:HEAD", "elsewhere", "HEAD has no elsewhere"},
		{"git:HEAD", "../outside", "outside the git repository"},
	}
	for _, e := range errs {
		o, _, err := diff.ParseSpecs(e.old, e.new)
		if err == nil {
			_, _, err = diff.Load(context.Background(), o)
		}
		if err == nil || !strings.Contains(err.Error(), e.want) {
			t.Errorf("%s %s: %v, want an error saying %q", e.old, e.new, err, e.want)
		}
	}
	for _, bad := range [][2]string{{"git:HEAD", "git:main"}, {"git:", "conf"}, {"", "conf"}} {
		if _, _, err := diff.ParseSpecs(bad[0], bad[1]); err == nil {
			t.Errorf("ParseSpecs(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
