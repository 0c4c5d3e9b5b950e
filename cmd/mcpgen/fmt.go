package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/internal/udiff"
)

// runFmt rewrites configuration files in the canonical layout (cfg.Format).
// A file that does not parse is reported and left as it is.
func runFmt(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newCommand("fmt", "fmt [--check] [--diff] PATH...  (PATH - reads stdin, writes stdout)", stdout, stderr)
	check := fs.Bool("check", false, "change nothing: list the files that are not formatted, and exit 1 if there are any")
	diff := fs.Bool("diff", false, "print a unified diff of each file's changes")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	paths, err := fs.needPaths()
	if err != nil {
		return err
	}
	var diags hcl.Diagnostics
	unformatted := false
	for _, p := range paths {
		if p == "-" {
			changed, d, err := fmtStdin(stdin, stdout, *check, *diff)
			if err != nil {
				return err
			}
			diags = append(diags, d...)
			unformatted = unformatted || changed
			continue
		}
		files, d := cfg.Files(p)
		diags = append(diags, d...)
		for _, f := range files {
			changed, d, err := fmtFile(f, stdout, *check, *diff)
			if err != nil {
				return err
			}
			diags = append(diags, d...)
			unformatted = unformatted || changed
		}
	}
	cfg.WriteDiagnostics(stderr, diags)
	if diags.HasErrors() || *check && unformatted {
		return errConfig
	}
	return nil
}

// fmtFile formats one file: it lists the file when it changes (or would,
// with check), prints the diff when asked, and writes it unless check.
func fmtFile(name string, stdout io.Writer, check, diff bool) (changed bool, diags hcl.Diagnostics, err error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read configuration file", Detail: err.Error()}}, nil
	}
	out, diags := cfg.Format(name, src)
	if diags.HasErrors() || bytes.Equal(out, src) {
		return false, diags, nil
	}
	fmt.Fprintln(stdout, name)
	if diff {
		fmt.Fprint(stdout, udiff.Unified(name, name+" (formatted)", string(src), string(out)))
	}
	if check {
		return true, diags, nil
	}
	return true, diags, writeFormatted(name, out)
}

// fmtStdin formats stdin to stdout, or with check or diff only says
// whether it would change.
func fmtStdin(stdin io.Reader, stdout io.Writer, check, diff bool) (changed bool, diags hcl.Diagnostics, err error) {
	src, err := io.ReadAll(stdin)
	if err != nil {
		return false, nil, fmt.Errorf("reading stdin: %w", err)
	}
	out, diags := cfg.Format("<stdin>", src)
	if diags.HasErrors() {
		return false, diags, nil
	}
	changed = !bytes.Equal(out, src)
	switch {
	case diff:
		fmt.Fprint(stdout, udiff.Unified("<stdin>", "<stdin> (formatted)", string(src), string(out)))
	case check:
		if changed {
			fmt.Fprintln(stdout, "<stdin>")
		}
	default:
		_, err = stdout.Write(out)
	}
	return changed, diags, err
}

// writeFormatted writes data to name by renaming a file written beside it,
// so that a server watching the directory never reads half a file. The
// temporary name starts with a dot, which a watch and a directory load
// both skip. The file keeps its permissions.
func writeFormatted(name string, data []byte) error {
	info, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
