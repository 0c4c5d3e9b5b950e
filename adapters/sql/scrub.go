package sql

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// scrubber removes a source's secrets (its DSN, the password in it) from
// driver messages, which sometimes echo the connection string.
type scrubber struct{ secrets []string }

const redacted = "[redacted]"

// Credentials in URL and key=value form, for DSNs a driver has rewritten
// before echoing them, so that the exact DSN no longer matches.
var (
	urlCredentials = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@`)
	kvPassword     = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
)

func newScrubber(secrets ...string) scrubber {
	var s scrubber
	for _, v := range secrets {
		if len(v) < 4 { // short values would redact common substrings
			continue
		}
		s.secrets = append(s.secrets, v)
		if u, err := url.QueryUnescape(v); err == nil && u != v {
			s.secrets = append(s.secrets, u)
		}
	}
	// Longest first, so that the DSN goes before the password inside it.
	sort.Slice(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
	return s
}

func (s scrubber) text(msg string) string {
	for _, v := range s.secrets {
		msg = strings.ReplaceAll(msg, v, redacted)
	}
	msg = urlCredentials.ReplaceAllString(msg, "${1}"+redacted+"@")
	return kvPassword.ReplaceAllString(msg, "${1}"+redacted)
}

// err returns an error whose text is scrubbed. It still unwraps to the
// original, so that errors.Is(err, context.DeadlineExceeded) holds.
func (s scrubber) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := s.text(msg)
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
