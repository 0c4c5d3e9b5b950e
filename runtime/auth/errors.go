package auth

import "net/http"

// Error is why a credential was refused. Reason is for logs and audit (e.g. "token expired",
// "audience mismatch", "unknown key id", "algorithm not allowed"); it never contains the token.
type Error struct {
	Status int    // 400 (malformed request) or 401 (missing/invalid credential)
	Code   string // RFC 6750: "invalid_request" or "invalid_token"; "" when no credential was sent
	Reason string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return "auth: " + e.Reason
	}
	return "auth: " + e.Code + ": " + e.Reason
}

// ErrNoCredential is returned when the request carries no credential at all. RFC 6750 §3.1
// says such a challenge carries no error code, so clients are not told they did wrong.
var ErrNoCredential = &Error{Status: http.StatusUnauthorized, Reason: "no credential"}

// The RFC 6750 error codes this package emits.
const (
	CodeInvalidRequest = "invalid_request"
	CodeInvalidToken   = "invalid_token"
)

func invalidRequest(reason string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Reason: reason}
}

func invalidToken(reason string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken, Reason: reason}
}
