package auth

import "sync/atomic"

// Identity is an authenticated caller.
type Identity struct {
	Subject string
	Scopes  []string
	Claims  map[string]any // JSON values: string, float64, bool, []any, map[string]any, nil
	Method  string         // "jwt" or "api_key"
	KeyName string         // API keys: the Name of the key used, for logs; "" for JWTs
	// Memo is shared by every Identity a remembered token gives, and by
	// no other token's (nil when the token is not remembered): what a
	// caller derives from the identity can be kept there and lives no
	// longer than the token, since an expired or forgotten token never
	// gives it out again.
	Memo *Memo
}

// Memo holds one value derived from a validated token. It is safe for
// concurrent use.
type Memo struct{ v atomic.Pointer[any] }

// Load returns the value stored, or nil.
func (m *Memo) Load() any {
	if v := m.v.Load(); v != nil {
		return *v
	}
	return nil
}

// Store keeps v. Derived values are equal whoever builds them first, so a
// second Store of a race simply replaces the first.
func (m *Memo) Store(v any) { m.v.Store(&v) }

// The values of Identity.Method.
const (
	MethodJWT    = "jwt"
	MethodAPIKey = "api_key"
)

// HasScope reports whether the identity was granted scope.
func (id *Identity) HasScope(scope string) bool {
	for _, s := range id.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}
