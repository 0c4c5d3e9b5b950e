package lock_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mcpgen/mcpgen/adapters/sql"
	"github.com/mcpgen/mcpgen/review/diff"
	"github.com/mcpgen/mcpgen/review/lock"
	"github.com/mcpgen/mcpgen/runtime"
)

const source = `
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:lock?mode=memory&cache=shared"
}
`

const tools = `
tool "get_order" {
  description = "One order."
  source      = source.sql.db
  param "id" {
    type = "integer"
  }
  sql = <<-SQL
    SELECT id, status
      FROM orders
     WHERE id = :id
  SQL
}

tool "old_orders" {
  description = "Old orders."
  deprecated  = "use get_order instead; removed after 2027-03-01"
  source      = source.sql.db
  sql         = "SELECT id FROM orders WHERE status = 'old' AND note <> '<none>'"
}
`

func write(t *testing.T, dir string, files ...string) []string {
	t.Helper()
	var paths []string
	for i := 0; i+1 < len(files); i += 2 {
		p := filepath.Join(dir, files[i])
		if err := os.WriteFile(p, []byte(files[i+1]), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func surface(t *testing.T, paths ...string) *runtime.Surface {
	t.Helper()
	gen, diags := runtime.Build(context.Background(), paths, runtime.BuildOptions{Mode: runtime.BuildOffline})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return gen.Surface()
}

func of(t *testing.T, s *runtime.Surface) *lock.File {
	t.Helper()
	f, err := lock.Of(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func encode(t *testing.T, f *lock.File) []byte {
	t.Helper()
	b, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLockFile: the file is the same bytes for the same surface however
// the files are split, ordered and laid out; it reads back whole; each
// tool's client hash is the definition hash tools/list publishes.
func TestLockFile(t *testing.T) {
	a := write(t, t.TempDir(), "all.hcl", source+tools)
	b := write(t, t.TempDir(), "tools.hcl", strings.Replace(tools, `sql = <<-SQL
    SELECT id, status
      FROM orders
     WHERE id = :id
  SQL`, `sql = "SELECT id, status FROM orders WHERE id = :id"`, 1), "a_source.hcl", "# the database\n"+source)
	fa, fb := of(t, surface(t, a...)), of(t, surface(t, b...))
	// The content is kept as written, for reading; the hashes see through
	// the layout.
	if fa.Surface != fb.Surface {
		t.Errorf("equal surfaces, different hashes:\n%s\n%s", encode(t, fa), encode(t, fb))
	}
	items, err := diff.Items(surface(t, b...))
	if err != nil {
		t.Fatal(err)
	}
	if drifted, report, err := fa.Check(items); err != nil || len(drifted) > 0 || !report.Equal {
		t.Errorf("equal surfaces drift: %v %+v", err, drifted)
	}
	if again := of(t, surface(t, a...)); !bytes.Equal(encode(t, again), encode(t, fa)) {
		t.Errorf("the same files, different lock files")
	}
	if bytes.Contains(encode(t, fa), []byte("all.hcl")) {
		t.Errorf("the lock file names a position:\n%s", encode(t, fa))
	}
	if !bytes.Contains(encode(t, fa), []byte("<> '<none>'")) {
		t.Errorf("the statement is escaped in the lock file:\n%s", encode(t, fa))
	}

	path := filepath.Join(t.TempDir(), lock.Name)
	if err := fa.Write(path); err != nil {
		t.Fatal(err)
	}
	back, err := lock.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, back), encode(t, fa)) {
		t.Errorf("read back differs")
	}

	s := surface(t, a...)
	for _, tool := range s.Tools {
		published := tool.Tool.Meta.AdditionalFields[runtime.MetaDefinitionHash]
		var recorded string
		for _, e := range fa.Entries {
			if e.Kind == "tool" && e.Name == tool.Tool.Name {
				recorded = e.ClientHash
			}
		}
		if published == nil || published != recorded {
			t.Errorf("%s: tools/list publishes %v, the lock file records %s", tool.Tool.Name, published, recorded)
		}
	}
}

func TestLockTampered(t *testing.T) {
	path := filepath.Join(t.TempDir(), lock.Name)
	if err := of(t, surface(t, write(t, t.TempDir(), "a.hcl", source+tools)...)).Write(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edits := map[string]string{
		"content":  strings.Replace(string(b), `"One order."`, `"One order, or all of them."`, 1),
		"a hash":   strings.Replace(string(b), `"surface": "sha256:`, `"surface": "sha256:0`, 1),
		"version":  strings.Replace(string(b), `"version": 1`, `"version": 9`, 1),
		"not json": "SELECT 1",
	}
	for name, text := range edits {
		if text == string(b) {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := lock.Read(path); err == nil {
			t.Errorf("%s: a tampered lock file reads", name)
		}
	}
	if _, err := lock.Read(filepath.Join(t.TempDir(), lock.Name)); !errors.Is(err, lock.ErrNoLock) {
		t.Errorf("a missing lock file: %v", err)
	}
}

// TestVerifier: what serve holds each surface to.
func TestVerifier(t *testing.T) {
	dir := t.TempDir()
	paths := write(t, dir, "a.hcl", source+tools)
	path := lock.Path(paths)
	if path != filepath.Join(dir, lock.Name) {
		t.Fatalf("lock.Path = %s", path)
	}
	if p := lock.Path([]string{dir}); p != path {
		t.Errorf("lock.Path of the directory = %s", p)
	}

	if diags := lock.Verifier(path, false)(surface(t, paths...)); diags.HasErrors() {
		t.Errorf("no lock file, not required: %s", diags.Error())
	}
	if diags := lock.Verifier(path, true)(surface(t, paths...)); !diags.HasErrors() || !strings.Contains(diags.Error(), "is gone") {
		t.Errorf("no lock file, required: %v", diags)
	}

	verify := lock.Verifier(path, false) // started without a lock file
	if err := of(t, surface(t, paths...)).Write(path); err != nil {
		t.Fatal(err)
	}
	if diags := verify(surface(t, paths...)); diags.HasErrors() {
		t.Errorf("the locked surface: %s", diags.Error())
	}
	if err := os.Rename(path, path+".bak"); err != nil {
		t.Fatal(err)
	}
	if diags := verify(surface(t, paths...)); !diags.HasErrors() {
		t.Errorf("a lock file seen once is gone, and the surface passes")
	}
	if err := os.Rename(path+".bak", path); err != nil {
		t.Fatal(err)
	}

	write(t, dir, "a.hcl", source+strings.Replace(tools, "WHERE id = :id", "WHERE id = :id OR 1 = 1", 1))
	diags := lock.Verifier(path, true)(surface(t, paths...))
	if len(diags) != 1 || diags[0].Subject == nil {
		t.Fatalf("drift: %v", diags)
	}
	d := diags[0]
	if d.Subject.Filename != paths[0] || d.Subject.Start.Line != 7 {
		t.Errorf("the drift is reported at %s:%d", d.Subject.Filename, d.Subject.Start.Line)
	}
	if !strings.Contains(d.Summary, `tool "get_order" changed since mcpgen.lock was written`) ||
		!strings.Contains(d.Detail, "the statement changed (medium)") {
		t.Errorf("drift: %s; %s", d.Summary, d.Detail)
	}
}
