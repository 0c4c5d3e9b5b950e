package loadgen

import (
	"os"
	"testing"
)

// TestMemory reads this test's own memory, then touches 64 MiB of heap:
// the anonymous part must grow by about as much, and stay within the RSS.
func TestMemory(t *testing.T) {
	rss0, anon0, err := memory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if anon0 <= 0 || anon0 > rss0 {
		t.Fatalf("RSS %d, anonymous %d: want 0 < anonymous <= RSS", rss0, anon0)
	}
	buf := make([]byte, 64<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	rss1, anon1, err := memory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if grew := anon1 - anon0; grew < 48<<20 || anon1 > rss1 {
		t.Fatalf("after touching 64 MiB: RSS %d, anonymous %d (grew %d)", rss1, anon1, grew)
	}
	if buf[4096] != 1 {
		t.Fatal("lost the write")
	}
	if _, _, err := memory(-1); err == nil {
		t.Fatal("want an error for a process that does not exist")
	}
}
