package auth

import (
	"context"
	"net/http"
	"strings"
)

// Authenticator tries an API key first (a bearer value that matches no key is then tried as a
// JWT if JWT is configured), and returns *Error for every refusal.
type Authenticator struct {
	JWT  *JWT     // nil: API keys only
	Keys *APIKeys // nil: JWT only
}

// Authenticate reads the credential from the Authorization header only: tokens in URLs end up
// in logs and browser history (RFC 9700 §2.5 and OAuth 2.1 forbid the query parameter).
func (a *Authenticator) Authenticate(ctx context.Context, h http.Header) (*Identity, error) {
	token, err := BearerToken(h)
	if err != nil {
		return nil, err
	}
	if a.Keys != nil {
		if id, ok := a.Keys.Lookup(token); ok {
			return id, nil
		}
		// A value that cannot be a JWT was meant as an API key: say so rather than
		// "malformed token".
		if a.JWT == nil || strings.Count(token, ".") != 2 {
			return nil, invalidToken("unknown API key")
		}
	}
	if a.JWT == nil {
		return nil, invalidToken("no credential is accepted: authentication is not configured")
	}
	return a.JWT.Validate(ctx, token)
}
