package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/review/configtest"
	"github.com/mcpgen/mcpgen/runtime"
)

// runTest runs the cases of test files against a configuration
// (docs/testing.md). It exits 0 when every case passed, 1 when one failed
// or the files have errors, and 2 for a wrong command line.
func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("test", "test [--run REGEX] [--format text|junit] [--parallel N] [PATH...]", stdout, stderr)
	run := fs.String("run", "", "run only the cases whose name matches this regular expression")
	format := fs.String("format", "text", "text (a line per case and a count) or junit (JUnit XML, for CI)")
	parallel := fs.Int("parallel", 0, "cases run at once (default: the number of CPUs)")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	if *format != "text" && *format != "junit" {
		return usageErrorf("test: --format must be text or junit, not %q", *format)
	}
	var re *regexp.Regexp
	if *run != "" {
		var err error
		if re, err = regexp.Compile(*run); err != nil {
			return usageErrorf("test: --run: %v", err)
		}
	}
	configPaths, testPaths, err := testPaths(fs.paths)
	if err != nil {
		return usageErrorf("test: %v", err)
	}
	tests, diags := cfg.LoadTests(testPaths)
	if !diags.HasErrors() && len(tests.Cases) == 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No tests",
			Detail: fmt.Sprintf("No test block in %s.", strings.Join(testPaths, ", "))})
	}
	secrets := &cfg.Secrets{}
	log := runtime.NewLogger(stderr, secrets, runtime.ParseLevel("error"))
	suite, more := configtest.Prepare(ctx, configPaths, tests, log)
	diags = append(diags, more...)
	cfg.WriteDiagnostics(stderr, diags)
	if diags.HasErrors() {
		return errConfig
	}
	report, err := suite.Run(ctx, configtest.Options{Run: re, Parallel: *parallel})
	if err != nil {
		return &exitError{code: exitConfig, msg: err.Error()}
	}
	if *format == "junit" {
		err = configtest.WriteJUnit(stdout, report)
	} else {
		err = configtest.WriteText(stdout, report)
	}
	if err != nil {
		return fmt.Errorf("writing the results: %w", err)
	}
	if _, failed := report.Counts(); failed > 0 {
		return errConfig
	}
	return nil
}

// testPaths splits the command line into the configuration and its test
// files. Test files (*.test.hcl) given are read; each configuration file
// F.hcl brings F.test.hcl beside it, and a directory its *.test.hcl. Test
// files given alone test the configuration beside them: F.hcl for
// F.test.hcl, else the files of their directory. No path: the current
// directory.
func testPaths(paths []string) (configs, tests []string, err error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		switch {
		case err != nil:
			return nil, nil, err
		case info.IsDir():
			configs = append(configs, p)
			tests = append(tests, p)
		case cfg.IsTestFile(p):
			tests = append(tests, p)
		default:
			configs = append(configs, p)
			beside := strings.TrimSuffix(p, ".hcl") + cfg.TestFileSuffix
			if _, err := os.Stat(beside); err == nil {
				tests = append(tests, beside)
			}
		}
	}
	if len(configs) == 0 {
		for _, t := range tests {
			conf := strings.TrimSuffix(t, cfg.TestFileSuffix) + ".hcl"
			if _, err := os.Stat(conf); err != nil {
				conf = filepath.Dir(t)
			}
			if !containsString(configs, conf) {
				configs = append(configs, conf)
			}
		}
	}
	return configs, tests, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
