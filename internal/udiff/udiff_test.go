package udiff

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	a := "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
	b := "one\ntwo\nthree\nfour\n5\nsix\nseven\neight\nnine\nten\neleven\n"
	want := `--- a.hcl
+++ b.hcl
@@ -2,9 +2,10 @@
 two
 three
 four
-five
+5
 six
 seven
 eight
 nine
 ten
+eleven
`
	if got := Unified("a.hcl", "b.hcl", a, b); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := Unified("a", "b", a, a); got != "" {
		t.Errorf("equal texts: got %q", got)
	}
	// Far apart changes make two hunks; a missing last newline is marked.
	a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12"
	b = "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	want = `--- a
+++ b
@@ -1,3 +1,4 @@
+0
 1
 2
 3
@@ -9,4 +10,4 @@
 9
 10
 11
-12
\ No newline at end of file
+12
`
	if got := Unified("a", "b", a, b); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// Applying the diff to a gives b, for random edits.
func TestUnifiedApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 500 {
		a := randomText(r)
		b := edit(r, a)
		d := Unified("a", "b", a, b)
		got, err := apply(a, d)
		if err != nil || got != b {
			t.Fatalf("case %d: applying\n%s\nto %q gives %q (%v), want %q", n, d, a, got, err, b)
		}
	}
}

func randomText(r *rand.Rand) string {
	var lines []string
	for range r.IntN(30) {
		lines = append(lines, strconv.Itoa(r.IntN(6)))
	}
	s := strings.Join(lines, "\n")
	if s != "" && r.IntN(4) > 0 {
		s += "\n"
	}
	return s
}

func edit(r *rand.Rand, a string) string {
	ls := lines(a)
	for range r.IntN(5) {
		switch i := r.IntN(len(ls) + 1); r.IntN(3) {
		case 0:
			ls = append(ls[:i], append([]string{strconv.Itoa(r.IntN(9)) + "\n"}, ls[i:]...)...)
		case 1:
			if i < len(ls) {
				ls = append(ls[:i], ls[i+1:]...)
			}
		case 2:
			if i < len(ls) {
				ls[i] = "x" + ls[i]
			}
		}
	}
	s := strings.Join(ls, "")
	if r.IntN(3) == 0 {
		s = strings.TrimSuffix(s, "\n")
	}
	return s
}

// apply is a small patch(1) for the diffs Unified writes.
func apply(a, d string) (string, error) {
	if d == "" {
		return a, nil
	}
	src := lines(a)
	var out []string
	next := 0 // index into src
	dl := strings.SplitAfter(d, "\n")[2:]
	for k := 0; k < len(dl); k++ {
		l := dl[k]
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "@@ ") {
			var start int
			f := strings.Fields(l)[1][1:]
			s, count, _ := strings.Cut(f, ",")
			start, _ = strconv.Atoi(s)
			if count != "0" {
				start-- // 1-based, unless the range is empty
			}
			out = append(out, src[next:start]...)
			next = start
			continue
		}
		text := l[1:]
		if k+1 < len(dl) && strings.HasPrefix(dl[k+1], `\ No newline`) {
			text = strings.TrimSuffix(text, "\n")
			k++
		}
		switch l[0] {
		case ' ':
			out = append(out, text)
			next++
		case '-':
			next++
		case '+':
			out = append(out, text)
		}
	}
	out = append(out, src[next:]...)
	return strings.Join(out, ""), nil
}
