package http

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// scrubber removes the source's own header values (its credentials) from
// text that may reach a client or a log: an upstream that echoes the
// request's headers in an error body must not leak them, even when it
// echoes them differently cased ("BEARER ABC..."), URL-encoded, or, for
// Basic credentials, decoded. Matching folds ASCII case only: credentials
// are ASCII, and folding keeps byte offsets, so one pass per form over a
// lower-cased copy finds every span (a regexp with (?i) was hundreds of
// times slower on a large error body).
type scrubber struct{ secrets []string } // lower-cased, each once

const redacted = "[redacted]"

// minSecret keeps short values and words ("Bearer", a version number)
// from redacting common text.
const minSecret = 6

func newScrubber(values []string) scrubber {
	var s scrubber
	seen := map[string]bool{}
	add := func(v string) {
		v = asciiLower(v)
		if len(v) >= minSecret && !seen[v] {
			seen[v] = true
			s.secrets = append(s.secrets, v)
		}
	}
	for _, v := range values {
		for _, form := range secretForms(v) {
			add(form)
			add(url.QueryEscape(form))
			add(url.PathEscape(form))
		}
	}
	return s
}

// secretForms is a header value and the parts of it that are as secret as
// the whole: each word ("Bearer abc": abc), and for Basic credentials the
// decoded user:password and the password alone.
func secretForms(v string) []string {
	forms := []string{v}
	fields := strings.Fields(v)
	forms = append(forms, fields...)
	if len(fields) == 2 && strings.EqualFold(fields[0], "Basic") {
		if dec, err := base64.StdEncoding.DecodeString(fields[1]); err == nil {
			forms = append(forms, string(dec))
			if _, pass, ok := strings.Cut(string(dec), ":"); ok {
				forms = append(forms, pass)
			}
		}
	}
	return forms
}

func (s scrubber) text(msg string) string {
	if len(s.secrets) == 0 || len(msg) < minSecret {
		return msg
	}
	lower := asciiLower(msg)
	var spans [][2]int
	for _, v := range s.secrets {
		for from := 0; ; {
			i := strings.Index(lower[from:], v)
			if i < 0 {
				break
			}
			i += from
			spans = append(spans, [2]int{i, i + len(v)})
			from = i + len(v)
		}
	}
	if len(spans) == 0 {
		return msg
	}
	// Overlapping spans (a value and the token inside it) merge.
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	last := 0
	for i := 0; i < len(spans); {
		start, end := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] <= end; i++ {
			end = max(end, spans[i][1])
		}
		b.WriteString(msg[last:start])
		b.WriteString(redacted)
		last = end
	}
	b.WriteString(msg[last:])
	return b.String()
}

// asciiLower lower-cases ASCII letters only, so that offsets in the result
// are offsets in s.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
