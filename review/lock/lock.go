// Package lock records a configuration's tool surface in mcpgen.lock and
// holds later builds to it: rug-pull protection at the source. A server
// whose configuration has a lock file refuses to start, and a reload
// refuses to swap, when the surface it built differs from the file.
//
// The file lists, per item (the server, each tool, resource, template and
// prompt; review/diff's Items), a hash of what clients see and a hash of
// what the server runs, with the content both were taken from so that a
// drift can be shown as a diff, and a hash of the whole. Positions are not
// in it: moving blocks between files changes nothing.
package lock

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"

	"github.com/mcpgen/mcpgen/internal/lockfile"
	"github.com/mcpgen/mcpgen/review/diff"
	"github.com/mcpgen/mcpgen/runtime"
)

// The format (where the file lives, its JSON, how pins and the whole are
// hashed) is internal/lockfile's, which runtime reads too.
const (
	Name    = lockfile.Name
	Version = lockfile.Version
)

// Path is where the lock file of a configuration lives: in the directory
// named first, or beside the file named first.
func Path(paths []string) string { return lockfile.Path(paths) }

// File is a lock file.
type File struct{ lockfile.File }

// Entry is one item of the surface.
type Entry = lockfile.Entry

func item(e Entry) diff.Item {
	return diff.Item{Kind: e.Kind, Name: e.Name, Client: e.Client, Executes: e.Executes}
}

// New records items (diff.Items of a surface).
func New(items []diff.Item) (*File, error) {
	f := &File{lockfile.File{Comment: lockfile.Comment, Version: Version, Entries: []Entry{}}}
	diff.SortItems(items)
	for _, it := range items {
		e, err := entry(it)
		if err != nil {
			return nil, err
		}
		f.Entries = append(f.Entries, e)
	}
	f.Surface = lockfile.SurfaceHash(f.Entries)
	return f, nil
}

// Of records a surface.
func Of(s *runtime.Surface) (*File, error) {
	items, err := diff.Items(s)
	if err != nil {
		return nil, err
	}
	return New(items)
}

func entry(it diff.Item) (Entry, error) {
	ch, err := it.ClientHash()
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w", it.Label(), err)
	}
	xh, err := it.ExecutesHash()
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w", it.Label(), err)
	}
	return Entry{Kind: it.Kind, Name: it.Name, ClientHash: ch, ExecutesHash: xh, Client: it.Client, Executes: it.Executes}, nil
}

// Items are the recorded items, for a diff against a surface.
func (f *File) Items() []diff.Item {
	items := make([]diff.Item, len(f.Entries))
	for i, e := range f.Entries {
		items[i] = item(e)
	}
	return items
}

// ErrNoLock is Read's error for a lock file that does not exist.
var ErrNoLock = lockfile.ErrNoLock

// Read reads a lock file and checks that it is whole: each entry's
// hashes are those of its content, each pin's that of its definition,
// and the surface hash is theirs, so a hand edit shows.
func Read(path string) (*File, error) {
	f, err := lockfile.Read(path, checkEntry)
	if err != nil {
		return nil, err
	}
	return &File{*f}, nil
}

// checkEntry says whether an entry's hashes are those of its content.
func checkEntry(e Entry) error {
	want, err := entry(item(e))
	if err != nil {
		return err
	}
	if want.ClientHash != e.ClientHash || want.ExecutesHash != e.ExecutesHash {
		return fmt.Errorf("the hashes of %s do not match its content: the file was edited by hand; review the change and run `mcpgen lock`", item(e).Label())
	}
	return nil
}

// Check compares items (a surface just built) with the lock file. The
// drifted items are those whose hashes differ, or that one side lacks;
// the report explains each (review/diff), old being the lock file.
func (f *File) Check(items []diff.Item) (drifted []diff.Change, report *diff.Report, err error) {
	now, err := New(items)
	if err != nil {
		return nil, nil, err
	}
	report = diff.Compare(f.Items(), items, diff.Options{})
	if now.Surface == f.Surface {
		report.Changes, report.Equal, report.Risk, report.Breaking = []diff.Change{}, true, diff.None, false
		return nil, report, nil
	}
	locked := map[string]Entry{}
	for _, e := range f.Entries {
		locked[item(e).Key()] = e
	}
	explained := map[string]bool{}
	for _, c := range report.Changes {
		explained[diff.Item{Kind: c.Kind, Name: c.Name}.Key()] = true
	}
	for _, e := range now.Entries {
		old, ok := locked[item(e).Key()]
		if ok && (old.ClientHash != e.ClientHash || old.ExecutesHash != e.ExecutesHash) && !explained[item(e).Key()] {
			// The hashes see a change the diff does not name.
			report.Changes = append(report.Changes, diff.Change{Kind: e.Kind, Name: e.Name, Op: diff.Changed, Risk: diff.Medium,
				Details: []diff.Detail{{Aspect: "hash", Risk: diff.Medium, Summary: "what it sends or runs changed (its hashes differ)"}}})
			report.Risk = max(report.Risk, diff.Medium)
		}
	}
	report.Equal = len(report.Changes) == 0
	return report.Changes, report, nil
}

// Verifier is the check serve runs on every surface it builds, at start
// and at each reload (runtime.BuildOptions.Verify): the lock file at path
// is read again each time, so that a reviewed `mcpgen lock` makes the
// next reload pass. When it does not exist the surface passes, unless
// required or a lock file was there at an earlier call: a lock that
// protected the server must not vanish unnoticed.
func Verifier(path string, required bool) func(*runtime.Surface) hcl.Diagnostics {
	var seen atomic.Bool // a lock file was there at start, or since
	seen.Store(required)
	return func(s *runtime.Surface) hcl.Diagnostics {
		f, err := Read(path)
		if err == nil || !errors.Is(err, ErrNoLock) {
			seen.Store(true)
		}
		switch {
		case errors.Is(err, ErrNoLock) && !seen.Load():
			return nil
		case errors.Is(err, ErrNoLock):
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "The lock file is gone",
				Detail: path + " protected this server and is gone: restore it (`mcpgen lock` after reviewing), or restart with --no-lock."}}
		case err != nil:
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the lock file", Detail: err.Error() + "."}}
		}
		items, err := diff.Items(s)
		if err != nil {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot check the lock file", Detail: err.Error() + "."}}
		}
		drifted, _, err := f.Check(items)
		if err != nil {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot check the lock file", Detail: err.Error() + "."}}
		}
		var diags hcl.Diagnostics
		for _, c := range drifted {
			diags = append(diags, driftDiagnostic(path, c))
		}
		return diags
	}
}

// driftDiagnostic names one drifted item, at its declaration when it has
// one, with what changed.
func driftDiagnostic(path string, c diff.Change) *hcl.Diagnostic {
	// The riskiest first: a log line may be read only as far as that.
	details := slices.Clone(c.Details)
	slices.SortStableFunc(details, func(a, b diff.Detail) int { return int(b.Risk) - int(a.Risk) })
	var what []string
	for _, d := range details {
		what = append(what, fmt.Sprintf("%s (%s)", d.Summary, d.Risk))
	}
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("%s %s since %s was written", c.Label(), c.Op, filepath.Base(path)),
		Detail: fmt.Sprintf("%s. Review the change (`mcpgen lock --check` shows it) and run `mcpgen lock`, or serve with --no-lock.",
			strings.Join(what, "; ")),
	}
	if c.Op != diff.Removed {
		d.Subject = parsePosition(c.Declared)
	}
	return d
}

// parsePosition reads "file:line:col"; nil when it is not one.
func parsePosition(pos string) *hcl.Range {
	i := strings.LastIndexByte(pos, ':')
	if i < 0 {
		return nil
	}
	j := strings.LastIndexByte(pos[:i], ':')
	if j < 0 {
		return nil
	}
	line, err1 := strconv.Atoi(pos[j+1 : i])
	col, err2 := strconv.Atoi(pos[i+1:])
	if err1 != nil || err2 != nil {
		return nil
	}
	p := hcl.Pos{Line: line, Column: col}
	return &hcl.Range{Filename: pos[:j], Start: p, End: p}
}
