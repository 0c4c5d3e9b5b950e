package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mcpgen/mcpgen/internal/initdb"
)

// initFile is the name init writes in its output directory.
const initFile = "mcpgen.hcl"

// runInit writes a starter configuration: read-only tools over an existing
// database (--from-db), or a minimal example that serves as it is.
func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("init", "init [--from-db DSN [--driver D] [--tables a,b] [--tenant-column C --tenant-claim K] "+
		"[--include-column T.C]] [-o DIR] [--dry-run]", stdout, stderr)
	fromDB := fs.String("from-db", "", "the DSN of the database to read the schema of (read only; never written to the file)")
	driver := fs.String("driver", "", "sqlite, postgres or mysql (default: guessed from the DSN)")
	tables := fs.String("tables", "", "comma-separated tables to serve (default: all)")
	tenantColumn := fs.String("tenant-column", "", "a column bound to --tenant-claim on every tool of a table that has it")
	tenantClaim := fs.String("tenant-claim", "", "the principal's claim --tenant-column is bound to")
	var include stringList
	fs.Var(&include, "include-column", "a column that looks secret (password, token...) to serve anyway, as TABLE.COLUMN (repeatable)")
	dsnEnv := fs.String("dsn-env", "MCPGEN_DSN", "the environment variable the generated source reads its DSN from")
	dir := fs.String("o", ".", "the directory to write "+initFile+" in")
	dryRun := fs.Bool("dry-run", false, "print the configuration instead of writing it")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	if len(fs.paths) > 0 {
		return usageErrorf("init: unexpected argument %q (the output directory is -o DIR)", fs.paths[0])
	}
	if *fromDB == "" {
		for _, f := range []struct{ name, v string }{{"driver", *driver}, {"tables", *tables}, {"tenant-column", *tenantColumn}, {"tenant-claim", *tenantClaim}} {
			if f.v != "" {
				return usageErrorf("init: --%s needs --from-db", f.name)
			}
		}
		return writeInit(stdout, stderr, *dir, *dryRun, []byte(initdb.Example), nil)
	}
	if (*tenantColumn == "") != (*tenantClaim == "") {
		return usageErrorf("init: --tenant-column and --tenant-claim go together")
	}
	if *driver == "" {
		*driver = initdb.DetectDriver(*fromDB)
	}
	var only []string
	for _, t := range strings.Split(*tables, ",") {
		if t = strings.TrimSpace(t); t != "" {
			only = append(only, t)
		}
	}
	schema, err := initdb.Read(ctx, *driver, *fromDB)
	if err != nil {
		return &exitError{code: exitConfig, msg: "init: " + err.Error()}
	}
	out, notes, err := initdb.Generate(schema, initdb.Options{
		DSNEnv: *dsnEnv, Tables: only, TenantColumn: *tenantColumn, TenantClaim: *tenantClaim, IncludeColumns: include,
	})
	if err != nil {
		return &exitError{code: exitConfig, msg: "init: " + err.Error()}
	}
	return writeInit(stdout, stderr, *dir, *dryRun, out, notes)
}

func writeInit(stdout, stderr io.Writer, dir string, dryRun bool, out []byte, notes *initdb.Notes) error {
	if notes != nil {
		for _, s := range notes.Skipped {
			fmt.Fprintf(stderr, "init: left out %s\n", s)
		}
		for _, s := range notes.Review {
			fmt.Fprintf(stderr, "init: review: %s\n", s)
		}
	}
	if dryRun {
		// stdout is the file: what to export goes to stderr.
		if notes != nil {
			for _, e := range notes.Exports {
				name, what, _ := strings.Cut(e, "=")
				fmt.Fprintf(stderr, "init: before serving it, export %s='...'   # %s\n", name, what)
			}
		}
		_, err := stdout.Write(out)
		return err
	}
	path := filepath.Join(dir, initFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &exitError{code: exitConfig, msg: fmt.Sprintf("init: %v", err)}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return &exitError{code: exitConfig, msg: fmt.Sprintf("init: %s exists: remove it or choose another directory with -o", path)}
	}
	if err != nil {
		return &exitError{code: exitConfig, msg: fmt.Sprintf("init: %v", err)}
	}
	if _, err := f.Write(out); err != nil {
		f.Close()
		return &exitError{code: exitConfig, msg: fmt.Sprintf("init: writing %s: %v", path, err)}
	}
	if err := f.Close(); err != nil {
		return &exitError{code: exitConfig, msg: fmt.Sprintf("init: writing %s: %v", path, err)}
	}
	fmt.Fprintf(stdout, "Wrote %s.\n", path)
	if notes != nil && len(notes.Exports) > 0 {
		fmt.Fprintln(stdout, "Before serving it, export:")
		for _, e := range notes.Exports {
			name, what, _ := strings.Cut(e, "=")
			fmt.Fprintf(stdout, "  export %s='...'   # %s\n", name, what)
		}
	}
	fmt.Fprintf(stdout, "Then: mcpgen lint %s && mcpgen serve --stdio %s\n", path, path)
	return nil
}
