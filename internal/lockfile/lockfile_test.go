package lockfile

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "a.hcl")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{{conf, "/elsewhere/b.hcl"}, {dir}} {
		if got := Path(paths); got != filepath.Join(dir, Name) {
			t.Errorf("Path(%v) = %s, want %s", paths, got, filepath.Join(dir, Name))
		}
	}
}

// TestPins: what `mcpgen lock` writes, every reader reads back with the
// same hashes; an edited pin or another version is refused.
func TestPins(t *testing.T) {
	def := json.RawMessage(`{"description":"Search contacts.","name":"search"}`)
	hash := Hash(def)
	// As the file holds it, indented, it hashes the same.
	if h, err := DefinitionHash(json.RawMessage("{\n  \"description\": \"Search contacts.\",\n  \"name\": \"search\"\n}")); err != nil || h != hash {
		t.Fatalf("DefinitionHash of the indented definition = %s, %v; want %s", h, err, hash)
	}
	f := &File{Comment: Comment, Version: Version, Entries: []Entry{}, Upstream: []Upstream{{Key: "mcp.crm/search", Hash: hash, Definition: def}}}
	f.Surface = SurfaceHash(f.Entries)
	path := filepath.Join(t.TempDir(), Name)
	if err := f.Write(path); err != nil {
		t.Fatal(err)
	}
	back, err := Read(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if back.Pins()["mcp.crm/search"] != hash || back.Definitions()["mcp.crm/search"] == nil {
		t.Fatalf("read back: pins %v, definitions %v", back.Pins(), back.Definitions())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct{ old, new, want string }{
		"pin":     {"Search contacts.", "Search contacts, all tenants.", "the hash of upstream tool mcp.crm/search does not match its definition"},
		"version": {`"version": 1`, `"version": 2`, "is a version 2 lock file"},
		"surface": {`"surface": "sha256:`, `"surface": "sha256:0`, "the surface hash does not match the items"},
		"field":   {`"version"`, `"extra": 1, "version"`, `is not a lock file: json: unknown field "extra"`},
	} {
		if err := os.WriteFile(path, []byte(strings.Replace(string(b), tt.old, tt.new, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(path, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s edited: %v, want %q", name, err, tt.want)
		}
	}
	if _, err := Read(filepath.Join(t.TempDir(), Name), nil); !errors.Is(err, ErrNoLock) {
		t.Errorf("no file: %v, want ErrNoLock", err)
	}
}
