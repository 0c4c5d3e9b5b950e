package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// wantComment marks the line a diagnostic must point at, with a substring
// of its text: `# want: <substring>`.
var wantComment = regexp.MustCompile(`#\s*want:\s*(.+)$`)

// TestInvalidFixtures runs `validate --offline` on every fixture in
// testdata/invalid and compares the diagnostics with the fixture's want
// comments, line by line: each want is matched by a diagnostic on its line,
// and each diagnostic by a want.
func TestInvalidFixtures(t *testing.T) {
	files, err := filepath.Glob("../../testdata/invalid/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			wants := readWants(t, file)
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), []string{"validate", "--offline", file}, nil, &stdout, &stderr)
			if code := ExitCode(err, &stderr); code != exitConfig {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitConfig, stderr.String())
			}
			got := map[int][]string{}
			for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				rest, found := strings.CutPrefix(line, file+":")
				if !found {
					t.Errorf("diagnostic without this file's location: %q", line)
					continue
				}
				n, err := strconv.Atoi(strings.SplitN(rest, ":", 2)[0])
				if err != nil {
					t.Errorf("no line number in %q", line)
					continue
				}
				got[n] = append(got[n], line)
			}
			for n, want := range wants {
				if !anyContains(got[n], want) {
					t.Errorf("line %d: want a diagnostic containing %q, got %q", n, want, got[n])
				}
			}
			for n, lines := range got {
				if _, expected := wants[n]; !expected {
					t.Errorf("line %d: unexpected diagnostics %q", n, lines)
				}
			}
		})
	}
}

func readWants(t *testing.T, file string) map[int]string {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wants := map[int]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if m := wantComment.FindStringSubmatch(sc.Text()); m != nil {
			wants[n] = strings.TrimSpace(m[1])
		}
	}
	return wants
}

func anyContains(lines []string, want string) bool {
	for _, l := range lines {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

// TestValidExamples: every shipped example and valid fixture validates
// cleanly, statements included (SQLite files that do not exist yet are
// checked against an in-memory copy built from the seed).
func TestValidExamples(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/valid/*.hcl")
	files = append(files, technova)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Setenv("TECHNOVA_DB", "file:"+filepath.Join(t.TempDir(), "technova.db"))
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), []string{"validate", file}, nil, &stdout, &stderr)
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("validate %s: %v\nstderr:\n%s", file, err, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "ok: ") {
				t.Errorf("stdout = %q", stdout.String())
			}
		})
	}
}
