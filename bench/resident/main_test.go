//go:build linux

package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestOwnText reads this test binary's own mappings: the code running it
// is mapped, so .text has resident pages, and never more than its size.
func TestOwnText(t *testing.T) {
	var out strings.Builder
	if err := run(strconv.Itoa(os.Getpid()), &out); err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(out.String()) {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == ".text" {
			size, _ := strconv.ParseFloat(f[1], 64)
			res, _ := strconv.ParseFloat(f[2], 64)
			if res <= 0 || res > size+0.01 {
				t.Fatalf(".text %v MiB, %v resident:\n%s", size, res, out.String())
			}
			return
		}
	}
	t.Fatalf("no .text line:\n%s", out.String())
}

func TestNoSuchProcess(t *testing.T) {
	if err := run("-1", new(strings.Builder)); err == nil {
		t.Fatal("want an error for a process that does not exist")
	}
}
