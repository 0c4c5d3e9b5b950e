package hcl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

type secretMark string

// SecretMark is the cty mark on every value env() returns, and on anything
// computed from one. Adapters unmark values with the *Attr helpers or
// cty.Value.UnmarkDeep.
const SecretMark = secretMark("env")

// maxFileSize bounds file(): a config never needs more, and a path such as
// /proc/kcore must not exhaust memory.
const maxFileSize = 64 << 20

// evalContext is the context for expressions in one file: file() resolves
// relative paths against that file's directory and records what it read.
func evalContext(filename string, secrets *Secrets, reads *Reads) *hcl.EvalContext {
	return &hcl.EvalContext{
		Functions: map[string]function.Function{
			"env":        envFunc(secrets),
			"file":       fileFunc(filepath.Dir(filename), reads),
			"filebase64": fileBase64Func(filepath.Dir(filename), reads),
		},
	}
}

func envFunc(secrets *Secrets) function.Function {
	return function.New(&function.Spec{
		Description: "Reads an environment variable, or returns the default when it is unset.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		VarParam:    &function.Parameter{Name: "default", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, function.NewArgErrorf(2, "env takes a name and at most one default")
			}
			name := args[0].AsString()
			if name == "" {
				return cty.NilVal, function.NewArgErrorf(0, "the variable name must not be empty")
			}
			v, ok := os.LookupEnv(name)
			if !ok {
				if len(args) < 2 {
					return cty.NilVal, fmt.Errorf("environment variable %s is not set and no default is given", name)
				}
				v = args[1].AsString()
			}
			// The default is marked too: whoever reads the config cannot
			// tell which of the two a deployment ends up using.
			secrets.Add(v)
			return cty.StringVal(v).Mark(SecretMark), nil
		},
	})
}

func fileFunc(dir string, reads *Reads) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a file, relative to the directory of the file that calls file().",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, b, err := readConfigFile(dir, args[0].AsString(), reads)
			if err != nil {
				return cty.NilVal, err
			}
			if !utf8.Valid(b) {
				return cty.NilVal, fmt.Errorf("%s is not UTF-8 text", p)
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// fileBase64Func reads a file of any content, such as an image, as base64.
func fileBase64Func(dir string, reads *Reads) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a file as base64, relative to the directory of the file that calls filebase64().",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			_, b, err := readConfigFile(dir, args[0].AsString(), reads)
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(base64.StdEncoding.EncodeToString(b)), nil
		},
	})
}

// readConfigFile reads a regular file named relative to dir, bounded by
// maxFileSize, and records it in reads: a missing one too, so that creating
// it triggers a reload. It returns the path it read.
func readConfigFile(dir, p string, reads *Reads) (string, []byte, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	info, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		reads.add(p, nil)
		return p, nil, fmt.Errorf("no file at %s", p)
	case err != nil:
		return p, nil, fmt.Errorf("cannot read %s: %v", p, unwrapPathError(err))
	case !info.Mode().IsRegular():
		// Devices and FIFOs could block or never end.
		return p, nil, fmt.Errorf("%s is not a regular file", p)
	case info.Size() > maxFileSize:
		return p, nil, fmt.Errorf("%s is larger than %d MiB", p, maxFileSize>>20)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return p, nil, fmt.Errorf("cannot read %s: %v", p, unwrapPathError(err))
	}
	// Recorded before the caller's checks: a fix to this file must trigger
	// a reload too.
	reads.add(p, b)
	return p, b, nil
}

// unwrapPathError drops the operation and path that the caller's message
// already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
