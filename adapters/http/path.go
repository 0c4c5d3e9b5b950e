package http

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// pathTemplate is a tool's path, such as /v1/stock/{sku}: literal text and
// placeholders, each filled with one param or bind, escaped as data.
type pathTemplate struct {
	raw   string
	parts []pathPart
}

type pathPart struct {
	lit  string // literal text, when name is ""
	name string
	off  int // byte offset of the part in raw, for diagnostics
	end  int
}

// pathProblem is a mistake in a template, at raw[off:end].
type pathProblem struct {
	off, end int
	msg      string
}

// parsePath splits a template and checks its literal text: it must be a
// path (no query, no fragment, no . or .. segments) in URL syntax.
func parsePath(raw string) (pathTemplate, []pathProblem) {
	t := pathTemplate{raw: raw}
	var problems []pathProblem
	if !strings.HasPrefix(raw, "/") {
		problems = append(problems, pathProblem{0, min(1, len(raw)), "path must start with /"})
	}
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == '{':
			j := strings.IndexAny(raw[i+1:], "{}")
			if j < 0 || raw[i+1+j] == '{' {
				problems = append(problems, pathProblem{i, i + 1, "this { is not closed by a }"})
				i++
				continue
			}
			name := raw[i+1 : i+1+j]
			if !isIdentifier(name) {
				problems = append(problems, pathProblem{i, i + j + 2, fmt.Sprintf("{%s} must name a param or bind: an identifier such as {sku}", name)})
			}
			t.parts = append(t.parts, pathPart{name: name, off: i, end: i + j + 2})
			i += j + 2
		case c == '}':
			problems = append(problems, pathProblem{i, i + 1, "this } has no {"})
			i++
		default:
			j := strings.IndexAny(raw[i:], "{}")
			if j < 0 {
				j = len(raw) - i
			}
			lit := raw[i : i+j]
			if p := checkLiteral(lit); p != nil {
				p.off += i
				p.end += i
				problems = append(problems, *p)
			}
			t.parts = append(t.parts, pathPart{lit: lit, off: i, end: i + j})
			i += j
		}
	}
	return t, problems
}

func checkLiteral(lit string) *pathProblem {
	for i := 0; i < len(lit); i++ {
		c := lit[i]
		switch {
		case c == '?' || c == '#':
			return &pathProblem{i, i + 1, "a path has no query or fragment: add query parameters with a query block"}
		case c == '%':
			if i+2 >= len(lit) || !isHex(lit[i+1]) || !isHex(lit[i+2]) {
				return &pathProblem{i, i + 1, "% must start an escape such as %20"}
			}
		case !isPathChar(c):
			return &pathProblem{i, i + 1, fmt.Sprintf("%q is not allowed in a URL path; escape it", string(rune(c)))}
		}
	}
	off := 0
	for _, seg := range strings.Split(lit, "/") {
		if seg == "." || seg == ".." {
			return &pathProblem{off, off + len(seg), "a path must not contain . or .. segments"}
		}
		off += len(seg) + 1
	}
	return nil
}

// isPathChar: RFC 3986 pchar (unreserved, sub-delims, : and @) and /.
func isPathChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// names lists the placeholders, in order, once each.
func (t pathTemplate) names() []pathPart {
	var out []pathPart
	seen := map[string]bool{}
	for _, p := range t.parts {
		if p.name != "" && !seen[p.name] {
			seen[p.name] = true
			out = append(out, p)
		}
	}
	return out
}

// errRefused is a path value that would have left base_url. Escaping makes
// that impossible; the check after it is the belt to those braces.
var errRefused = errors.New("the request URL would leave the source's base_url")

// expand fills the placeholders. Each value is escaped as one path segment:
// /, ?, #, % and every other reserved character become %XX, and a value of
// . or .. becomes %2E or %2E%2E, so no value can change the path's shape.
func (t pathTemplate) expand(value func(name string) (any, bool)) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.lit)
			continue
		}
		v, ok := value(p.name)
		if !ok || v == nil {
			return "", &valueError{p.name, "has no value"}
		}
		s, err := scalarText(v)
		if err != nil {
			return "", &valueError{p.name, err.Error()}
		}
		if s == "" {
			return "", &valueError{p.name, "is empty, and an empty path segment would change the URL"}
		}
		b.WriteString(escapeSegment(s))
	}
	// A value that fills a whole segment alone was escaped above; one next
	// to literal text cannot make . or .. either, since literals are checked.
	return b.String(), nil
}

// escapeSegment percent-encodes every byte but RFC 3986's unreserved
// characters. url.PathEscape leaves the sub-delims and : and @ as they
// are, which a path may hold, but an upstream may read them as syntax:
// + as a space, = and & as parameters, : and @ as a user or a port.
func escapeSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// valueError is an argument or bind that cannot go into a request.
type valueError struct{ name, why string }

func (e *valueError) Error() string { return e.name + " " + e.why }

// scalarText is how a param or bind value is written in a URL.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("is a %s, which cannot be written in a URL", jsonKind(v))
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "list"
	case map[string]any:
		return "map"
	}
	return fmt.Sprintf("%T", v)
}

// resolve joins the expanded path to base_url, adds the query, and checks
// that the result is still under base_url: same scheme, same host, and a
// path (as sent, and as a server that decodes and cleans it would read it)
// inside the base path.
func (s *Source) resolve(escapedPath, rawQuery string) (*url.URL, error) {
	full := strings.TrimSuffix(s.base.EscapedPath(), "/") + escapedPath
	decoded, err := url.PathUnescape(full)
	if err != nil {
		return nil, errRefused
	}
	u := &url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: decoded, RawPath: full, RawQuery: rawQuery}
	// Parse what will be sent, as the upstream will.
	sent, err := url.Parse(u.String())
	if err != nil || !s.under(sent) {
		return nil, errRefused
	}
	return sent, nil
}

// under says whether u is inside base_url: same scheme and host, no
// credentials or fragment, and a path inside the base path both as sent
// and as a server that decodes and cleans it would read it.
func (s *Source) under(u *url.URL) bool {
	if u.Scheme != s.base.Scheme || u.Host != s.base.Host || u.User != nil || u.Fragment != "" {
		return false
	}
	if !strings.HasPrefix(u.EscapedPath()+"/", strings.TrimSuffix(s.base.EscapedPath(), "/")+"/") {
		return false
	}
	clean := path.Clean("/" + u.Path)
	return strings.HasPrefix(clean+"/", s.basePath)
}
