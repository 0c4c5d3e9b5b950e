package http

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// scrubber removes the source's own header values (its credentials) from
// text that may reach a client or a log: an upstream that echoes the
// request's headers in an error body must not leak them, even when it
// echoes them differently cased ("BEARER ABC..."), URL-encoded, or, for
// Basic credentials, decoded.
type scrubber struct{ re *regexp.Regexp }

const redacted = "[redacted]"

// minSecret keeps short values and words ("Bearer", a version number)
// from redacting common text.
const minSecret = 6

func newScrubber(values []string) scrubber {
	var secrets []string
	seen := map[string]bool{}
	add := func(v string) {
		if len(v) >= minSecret && !seen[strings.ToLower(v)] {
			seen[strings.ToLower(v)] = true
			secrets = append(secrets, v)
		}
	}
	for _, v := range values {
		for _, form := range secretForms(v) {
			add(form)
			add(url.QueryEscape(form))
			add(url.PathEscape(form))
		}
	}
	if len(secrets) == 0 {
		return scrubber{}
	}
	// Longest first, so that a whole value goes before a token inside it
	// (Go's alternation prefers the earlier branch).
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	quoted := make([]string, len(secrets))
	for i, s := range secrets {
		quoted[i] = regexp.QuoteMeta(s)
	}
	return scrubber{re: regexp.MustCompile(`(?i)` + strings.Join(quoted, "|"))}
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
	if s.re == nil {
		return msg
	}
	return s.re.ReplaceAllLiteralString(msg, redacted)
}
