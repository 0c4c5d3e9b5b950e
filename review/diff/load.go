package diff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mcpgen/mcpgen/runtime"
)

// A Spec names one side of a diff: a configuration on disk (a file or a
// directory of .hcl files), or one at a git revision.
type Spec struct {
	// Ref is the git revision; "" for the files on disk.
	Ref string
	// Path is the file or directory, relative to the working directory
	// (at Ref: the same path in that revision's tree).
	Path string
	// Label is how reports name this side: the argument as given.
	Label string
}

const gitPrefix = "git:"

// ParseSpecs reads the two sides of `mcpgen diff OLD NEW`. Each is a path,
// `git:REF` (the other side's path at REF) or `git:REF:PATH`.
func ParseSpecs(old, new string) (Spec, Spec, error) {
	o, err := parseSpec(old)
	if err != nil {
		return Spec{}, Spec{}, err
	}
	n, err := parseSpec(new)
	if err != nil {
		return Spec{}, Spec{}, err
	}
	switch {
	case o.Path == "" && n.Path == "":
		return Spec{}, Spec{}, errors.New("name the configuration's path on one side, e.g. git:origin/main config/, or git:REF:PATH")
	case o.Path == "":
		o.Path = n.Path
		o.Label = old + ":" + n.Path
	case n.Path == "":
		n.Path = o.Path
		n.Label = new + ":" + o.Path
	}
	return o, n, nil
}

func parseSpec(s string) (Spec, error) {
	if !strings.HasPrefix(s, gitPrefix) {
		if s == "" {
			return Spec{}, errors.New("an empty path")
		}
		return Spec{Path: s, Label: s}, nil
	}
	ref, p, _ := strings.Cut(strings.TrimPrefix(s, gitPrefix), ":")
	if ref == "" || strings.HasPrefix(ref, "-") {
		return Spec{}, fmt.Errorf("%q names no git revision: write git:REF or git:REF:PATH, e.g. git:origin/main", s)
	}
	return Spec{Ref: ref, Path: p, Label: s}, nil
}

// Load builds the configuration a spec names, offline (nothing is
// connected or opened: the surface depends on the files alone), and
// returns its items. The diagnostics are the configuration's; the error is
// about reading it (git). Positions at a revision read REF:path.
func Load(ctx context.Context, s Spec) ([]Item, hcl.Diagnostics, error) {
	if s.Ref == "" {
		b, err := build(ctx, s.Path, nil)
		return b.items, b.diags, err
	}
	g, err := checkout(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	defer g.close()
	// file() reads are only known once the configuration is decoded: build,
	// fetch what it looked for and did not find, and build again.
	for range 64 {
		b, err := build(ctx, g.local, g.relabel)
		if err != nil {
			return nil, nil, err
		}
		fetched, err := g.fetchMissing(ctx, b.reads)
		if err != nil {
			return nil, nil, err
		}
		if !fetched {
			return b.items, b.diags, nil
		}
	}
	return nil, nil, fmt.Errorf("%s: file() reads did not settle after 64 rounds", s.Label)
}

type built struct {
	items []Item
	diags hcl.Diagnostics
	// reads are the files file() read or looked for (nil bytes: missing).
	reads map[string][]byte
}

func build(ctx context.Context, p string, relabel func(string) string) (built, error) {
	gen, diags := runtime.Build(ctx, []string{p}, runtime.BuildOptions{Mode: runtime.BuildOffline})
	b := built{diags: diags, reads: gen.Config.Reads.Files()}
	if relabel != nil {
		relabelDiagnostics(diags, relabel)
	}
	if diags.HasErrors() {
		return b, nil
	}
	items, err := Items(gen.Surface())
	if err != nil {
		return b, err
	}
	if relabel != nil {
		for i := range items {
			items[i].Declared = relabel(items[i].Declared)
		}
	}
	b.items = items
	return b, nil
}

func relabelDiagnostics(diags hcl.Diagnostics, relabel func(string) string) {
	for _, d := range diags {
		if d.Subject != nil {
			d.Subject.Filename = relabel(d.Subject.Filename)
		}
		if d.Context != nil {
			d.Context.Filename = relabel(d.Context.Filename)
		}
	}
}

// gitTree is a revision's copy of a configuration in a temporary
// directory, at the same relative paths as in the repository, so that
// file() finds what it names.
type gitTree struct {
	ref     string
	top     string // the repository's work tree
	dir     string // the temporary directory standing for top
	local   string // the configuration's path in dir
	fetched map[string]bool
}

func checkout(ctx context.Context, s Spec) (*gitTree, error) {
	top, err := git(ctx, "", "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	top = strings.TrimSpace(top)
	rel, err := repoPath(ctx, top, s.Path)
	if err != nil {
		return nil, err
	}
	if _, err := git(ctx, top, "rev-parse", "--verify", "--quiet", s.Ref+"^{commit}"); err != nil {
		return nil, fmt.Errorf("%s: there is no git revision %q", s.Label, s.Ref)
	}
	kind, err := git(ctx, top, "cat-file", "-t", s.Ref+":"+rel)
	if err != nil {
		return nil, fmt.Errorf("%s: %s has no %s", s.Label, s.Ref, rel)
	}
	dir, err := os.MkdirTemp("", "mcpgen-diff-")
	if err != nil {
		return nil, err
	}
	g := &gitTree{ref: s.Ref, top: top, dir: dir, local: filepath.Join(dir, filepath.FromSlash(rel)), fetched: map[string]bool{}}
	switch strings.TrimSpace(kind) {
	case "blob":
		err = g.fetch(ctx, rel)
	case "tree":
		err = g.fetchDir(ctx, rel)
	default:
		err = fmt.Errorf("%s: %s:%s is a %s, not a file or directory", s.Label, s.Ref, rel, strings.TrimSpace(kind))
	}
	if err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

// repoPath is p (relative to the working directory, or absolute) as a path
// in the repository's tree.
func repoPath(ctx context.Context, top, p string) (string, error) {
	if !filepath.IsAbs(p) {
		prefix, err := git(ctx, "", "rev-parse", "--show-prefix")
		if err != nil {
			return "", err
		}
		rel := path.Clean(path.Join(strings.TrimSpace(prefix), filepath.ToSlash(p)))
		if rel == ".." || strings.HasPrefix(rel, "../") {
			return "", fmt.Errorf("%s is outside the git repository %s", p, top)
		}
		return rel, nil
	}
	real, err := filepath.EvalSymlinks(top)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(real, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the git repository %s", p, top)
	}
	return filepath.ToSlash(rel), nil
}

// fetchDir copies a directory's .hcl files (Load reads no others there,
// and no subdirectory).
func (g *gitTree) fetchDir(ctx context.Context, rel string) error {
	out, err := git(ctx, g.top, "ls-tree", "-z", "--name-only", g.ref+":"+rel)
	if err != nil {
		return err
	}
	for _, name := range strings.Split(out, "\x00") {
		if name == "" || strings.HasPrefix(name, ".") || path.Ext(name) != ".hcl" {
			continue
		}
		if err := g.fetch(ctx, path.Join(rel, name)); err != nil {
			return err
		}
	}
	return nil
}

// fetch copies one file of the revision into the temporary directory.
func (g *gitTree) fetch(ctx context.Context, rel string) error {
	g.fetched[rel] = true
	b, err := git(ctx, g.top, "cat-file", "blob", g.ref+":"+rel)
	if err != nil {
		return err
	}
	local := filepath.Join(g.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
		return err
	}
	return os.WriteFile(local, []byte(b), 0o600)
}

// fetchMissing copies the files a build looked for in the temporary
// directory and did not find, where the revision has them. It reports
// whether it copied any.
func (g *gitTree) fetchMissing(ctx context.Context, reads map[string][]byte) (bool, error) {
	copied := false
	for p, b := range reads {
		rel, err := filepath.Rel(g.dir, p)
		if b != nil || err != nil || strings.HasPrefix(rel, "..") {
			continue // read, or outside the copy: read from disk as it is
		}
		rel = filepath.ToSlash(rel)
		if g.fetched[rel] {
			continue
		}
		g.fetched[rel] = true
		if _, err := git(ctx, g.top, "cat-file", "-e", g.ref+":"+rel); err != nil {
			continue // not in the revision either: the build says so
		}
		if err := g.fetch(ctx, rel); err != nil {
			return false, err
		}
		copied = true
	}
	return copied, nil
}

// relabel names a file of the copy as REF:path.
func (g *gitTree) relabel(name string) string {
	rel, err := filepath.Rel(g.dir, name)
	if name == "" || err != nil || strings.HasPrefix(rel, "..") {
		return name
	}
	return g.ref + ":" + filepath.ToSlash(rel)
}

func (g *gitTree) close() { _ = os.RemoveAll(g.dir) }

// git runs a git command in dir ("" for the working directory) and
// returns its output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return stdout.String(), nil
}
