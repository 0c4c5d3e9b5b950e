// Package lockfile is the format of mcpgen.lock: where it lives beside a
// configuration, its JSON, and how its hashes are taken, so that every
// package that reads or writes it (review/lock writes and checks it,
// runtime generates expose_all tools from its pins, adapters/mcp hashes
// upstream definitions the way it pins them) follows one set of rules.
//
// It imports the standard library only. What needs a built surface (an
// item's hashes, the drift between a surface and the file) is review/lock.
package lockfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Name is the lock file's name.
const Name = "mcpgen.lock"

// Version is the format's version.
const Version = 1

// Comment is the file's first field, for whoever opens it.
const Comment = "mcpgen.lock records the reviewed tool surface. Do not edit it: run `mcpgen lock` after reviewing a change " +
	"(`mcpgen diff`). `mcpgen serve` refuses a configuration whose surface differs from it; `mcpgen lock --check` reports how."

// Path is where the lock file of a configuration lives: in the directory
// named first, or beside the file named first.
func Path(paths []string) string {
	if len(paths) == 0 {
		return Name
	}
	if info, err := os.Stat(paths[0]); err == nil && info.IsDir() {
		return filepath.Join(paths[0], Name)
	}
	return filepath.Join(filepath.Dir(paths[0]), Name)
}

// File is a lock file.
type File struct {
	Comment string `json:"//"`
	Version int    `json:"version"`
	// Surface is the hash of the whole (SurfaceHash).
	Surface string  `json:"surface"`
	Entries []Entry `json:"items"`
	// Upstream pins the definitions of tools re-exposed from servers we
	// do not control (MCP sources), as the upstream announced them when
	// the file was written.
	Upstream []Upstream `json:"upstream,omitempty"`
}

// Entry is one item of the surface (review/diff's Item): a hash of what
// clients see and one of what the server runs, with the content both
// were taken from.
type Entry struct {
	Kind         string         `json:"kind"`
	Name         string         `json:"name,omitempty"`
	ClientHash   string         `json:"client_hash"`
	ExecutesHash string         `json:"executes_hash"`
	Client       map[string]any `json:"client"`
	Executes     map[string]any `json:"executes,omitempty"`
}

// Upstream pins one upstream tool's definition: the source and the
// upstream's name for it (runtime/adapter.PinKey), its DefinitionHash,
// and the definition itself, so that a drift can be shown.
type Upstream struct {
	Key        string          `json:"key"`
	Hash       string          `json:"hash"`
	Definition json.RawMessage `json:"definition"`
}

// Hash is "sha256:" and the hex SHA-256 of canonical JSON, already
// compact: what adapters give the definitions they read.
func Hash(compact []byte) string {
	sum := sha256.Sum256(compact)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// DefinitionHash is the Hash of a definition as a lock file holds it
// (indented): its compact form's.
func DefinitionHash(def json.RawMessage) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, def); err != nil {
		return "", err
	}
	return Hash(b.Bytes()), nil
}

// SurfaceHash is the hash of the whole: SHA-256 over one line per entry,
// "kind name client_hash executes_hash", in the entries' order.
func SurfaceHash(entries []Entry) string {
	h := sha256.New()
	for _, e := range entries {
		fmt.Fprintf(h, "%s %s %s %s\n", e.Kind, strconv.Quote(e.Name), e.ClientHash, e.ExecutesHash)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ErrNoLock is Read's error for a lock file that does not exist.
var ErrNoLock = errors.New("no lock file")

// Read reads the lock file at path and checks that it is whole, so that
// a hand edit shows: that it is one, of this Version, that each entry's
// hashes are those of its content (checkEntry, from review/lock, which
// knows how items hash; nil skips this), that each pin's hash is its
// definition's, and that the surface hash is the entries'.
func Read(path string, checkEntry func(Entry) error) (*File, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNoLock)
	}
	if err != nil {
		return nil, err
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s is not a lock file: %v", path, err)
	}
	if f.Version != Version {
		return nil, fmt.Errorf("%s is a version %d lock file; this mcpgen reads version %d: run `mcpgen lock` again", path, f.Version, Version)
	}
	if checkEntry != nil {
		for _, e := range f.Entries {
			if err := checkEntry(e); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	for _, u := range f.Upstream {
		h, err := DefinitionHash(u.Definition)
		if err != nil || h != u.Hash {
			return nil, fmt.Errorf("%s: the hash of upstream tool %s does not match its definition: the file was edited by hand; review the change and run `mcpgen lock`", path, u.Key)
		}
	}
	if SurfaceHash(f.Entries) != f.Surface {
		return nil, fmt.Errorf("%s: the surface hash does not match the items: the file was edited by hand; review the change and run `mcpgen lock`", path)
	}
	return &f, nil
}

// Encode is the file's bytes: indented JSON, keys in a fixed order, HTML
// characters unescaped (statements compare with < and >).
func (f *File) Encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Write writes the file at path, atomically: a watching server never
// reads half of it.
func (f *File) Write(path string) error {
	b, err := f.Encode()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+Name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up after a failure
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Pins are the recorded hashes by key, for runtime/adapter.OpenOptions.Pins.
func (f *File) Pins() map[string]string {
	pins := make(map[string]string, len(f.Upstream))
	for _, u := range f.Upstream {
		pins[u.Key] = u.Hash
	}
	return pins
}

// Definitions are the recorded definitions by key: what expose_all
// generates tools from, and what lint reads for poisoning.
func (f *File) Definitions() map[string]json.RawMessage {
	defs := make(map[string]json.RawMessage, len(f.Upstream))
	for _, u := range f.Upstream {
		defs[u.Key] = u.Definition
	}
	return defs
}
