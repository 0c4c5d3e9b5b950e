package auth

// Identity is an authenticated caller.
type Identity struct {
	Subject string
	Scopes  []string
	Claims  map[string]any // JSON values: string, float64, bool, []any, map[string]any, nil
	Method  string         // "jwt" or "api_key"
	KeyName string         // API keys: the Name of the key used, for logs; "" for JWTs
}

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
