package auth

import (
	"net/http"
	"strings"
)

// BearerToken extracts the token from the request's headers: exactly one Authorization header,
// scheme "Bearer" case-insensitive, a token68 value; several headers or a malformed value are a
// 400 invalid_request; no header is ErrNoCredential. A token in the query string is never read.
func BearerToken(h http.Header) (string, error) {
	values := h.Values("Authorization")
	switch len(values) {
	case 0:
		return "", ErrNoCredential
	case 1:
	default:
		// Two headers could be read differently by a proxy and by us; refuse rather than pick.
		return "", invalidRequest("more than one Authorization header")
	}
	// Field values exclude surrounding whitespace (RFC 9110 §5.5); Go's server already trims,
	// a header built by hand may not.
	v := strings.Trim(values[0], " \t")
	if v == "" {
		return "", invalidRequest("empty Authorization header")
	}
	scheme, rest, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		if !isToken(scheme) {
			return "", invalidRequest("malformed Authorization header")
		}
		// Another scheme (Basic, Digest...) is a credential we do not take: RFC 6750 §3.1 treats
		// it like no credential, so the challenge carries no error code.
		return "", &Error{Status: http.StatusUnauthorized, Reason: "authorization scheme is not Bearer"}
	}
	// credentials = "Bearer" 1*SP b64token (RFC 6750 §2.1)
	token := strings.TrimLeft(rest, " ")
	if token == "" {
		return "", invalidRequest("Bearer with no token")
	}
	if !isToken68(token) {
		return "", invalidRequest("bearer token is not token68")
	}
	return token, nil
}

// isToken68 reports whether s is a token68 (RFC 9110 §11.2):
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
func isToken68(s string) bool {
	i := 0
	for i < len(s) && isToken68Char(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '=' {
		i++
	}
	return i == len(s)
}

func isToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// isToken reports whether s is an RFC 9110 token, the syntax of an auth-scheme.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
