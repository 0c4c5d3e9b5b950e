// Package udiff writes a unified diff of two texts, line by line, as
// `diff -u` does, for `mcpgen fmt --diff`. It finds a shortest edit script
// with Myers' algorithm (O((N+M)D) time), which is plenty for
// configuration files.
package udiff

import (
	"fmt"
	"strings"
)

// Context is the number of unchanged lines shown around each change.
const Context = 3

// Unified returns the unified diff that turns a into b, with the headers
// "--- aName" and "+++ bName", or "" when they are equal. A last line
// without a newline is marked as diff marks it.
func Unified(aName, bName, a, b string) string {
	if a == b {
		return ""
	}
	x, y := lines(a), lines(b)
	ops := script(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	for _, h := range hunks(ops) {
		writeHunk(&out, h, x, y)
	}
	return out.String()
}

// lines splits s after each newline; the last line may lack one.
func lines(s string) []string {
	ls := strings.SplitAfter(s, "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

type kind byte

const (
	same kind = ' '
	del  kind = '-'
	ins  kind = '+'
)

// op is one line of the edit script: x[i] kept or deleted, or y[j]
// inserted; i and j are where the script stands in x and y.
type op struct {
	kind kind
	i, j int
}

// script returns a shortest edit script from x to y (Myers 1986, with the
// trace of every round kept to walk back).
func script(x, y []string) []op {
	n, m := len(x), len(y)
	max := n + m
	v := make([]int, 2*max+2)
	var trace [][]int
	off := max + 1
	for d := 0; d <= max; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var i int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				i = v[off+k+1] // down: an insertion
			} else {
				i = v[off+k-1] + 1 // right: a deletion
			}
			j := i - k
			for i < n && j < m && x[i] == y[j] {
				i, j = i+1, j+1
			}
			v[off+k] = i
			if i >= n && j >= m {
				return backtrack(trace, x, y, d, off)
			}
		}
	}
	return nil // not reached: d = n+m always ends
}

func backtrack(trace [][]int, x, y []string, d, off int) []op {
	var ops []op
	i, j := len(x), len(y)
	for ; d > 0; d-- {
		v := trace[d]
		k := i - j
		var prevK int
		if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevI := v[off+prevK]
		prevJ := prevI - prevK
		for i > prevI && j > prevJ {
			i, j = i-1, j-1
			ops = append(ops, op{same, i, j})
		}
		if prevK == k+1 {
			j--
			ops = append(ops, op{ins, i, j})
		} else {
			i--
			ops = append(ops, op{del, i, j})
		}
	}
	for i > 0 && j > 0 {
		i, j = i-1, j-1
		ops = append(ops, op{same, i, j})
	}
	for l, r := 0, len(ops)-1; l < r; l, r = l+1, r-1 {
		ops[l], ops[r] = ops[r], ops[l]
	}
	return ops
}

// hunks groups the script into runs of changes with up to Context
// unchanged lines around each, merging runs that close.
func hunks(ops []op) [][]op {
	var out [][]op
	start, end := -1, -1 // the current hunk, as indexes into ops
	for idx, o := range ops {
		if o.kind == same {
			continue
		}
		lo, hi := max(idx-Context, 0), min(idx+Context+1, len(ops))
		if start >= 0 && lo <= end {
			end = max(end, hi)
			continue
		}
		if start >= 0 {
			out = append(out, ops[start:end])
		}
		start, end = lo, hi
	}
	if start >= 0 {
		out = append(out, ops[start:end])
	}
	return out
}

func writeHunk(out *strings.Builder, h []op, x, y []string) {
	var na, nb int
	for _, o := range h {
		if o.kind != ins {
			na++
		}
		if o.kind != del {
			nb++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", span(h[0].i, na), span(h[0].j, nb))
	for _, o := range h {
		line := ""
		switch o.kind {
		case ins:
			line = y[o.j]
		default:
			line = x[o.i]
		}
		out.WriteByte(byte(o.kind))
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// span is a hunk's range as diff writes it: start,count with lines counted
// from 1, and an empty range named by the line before it.
func span(start, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, count)
}
