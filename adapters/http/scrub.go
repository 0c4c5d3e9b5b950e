package http

import (
	"sort"
	"strings"
)

// scrubber removes the source's own header values (its credentials) from
// text that may reach a client or a log: an upstream that echoes the
// request's headers in an error body must not leak them.
type scrubber struct{ secrets []string }

const redacted = "[redacted]"

// minSecret keeps short values and words ("Bearer", a version number)
// from redacting common text.
const minSecret = 6

func newScrubber(values []string) scrubber {
	var s scrubber
	seen := map[string]bool{}
	add := func(v string) {
		if len(v) >= minSecret && !seen[v] {
			seen[v] = true
			s.secrets = append(s.secrets, v)
		}
	}
	for _, v := range values {
		add(v)
		// "Bearer abc...": the token alone is as secret as the whole.
		for _, f := range strings.Fields(v) {
			add(f)
		}
	}
	// Longest first, so that a whole value goes before a token inside it.
	sort.Slice(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
	return s
}

func (s scrubber) text(msg string) string {
	for _, v := range s.secrets {
		msg = strings.ReplaceAll(msg, v, redacted)
	}
	return msg
}
