package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// APIKey maps the SHA-256 of a key to the principal it stands for.
type APIKey struct {
	Name     string // for logs: which key was used, never the key itself
	Hash     [32]byte
	Identity Identity // Method is forced to "api_key"
}

const (
	keyHashPrefix = "sha256:"
	// APIKeyPrefix starts every key NewAPIKey makes, so a leaked key is recognisable to
	// secret scanners and to ParseKeyHash when someone pastes a key where its hash belongs.
	APIKeyPrefix = "mcpk_"
)

// ParseKeyHash parses "sha256:<64 lowercase hex>". Errors never repeat the input: an operator
// who pasted the key itself would otherwise see it in the log.
func ParseKeyHash(s string) ([32]byte, error) {
	var h [32]byte
	if strings.HasPrefix(s, APIKeyPrefix) {
		return h, errors.New(`this is an API key, not its hash: store "sha256:<hex>" of the key instead (mcpgen apikey prints both)`)
	}
	hexPart, ok := strings.CutPrefix(s, keyHashPrefix)
	if !ok {
		return h, errors.New(`API key hash must start with "sha256:"`)
	}
	if len(hexPart) != 2*len(h) {
		return h, fmt.Errorf("API key hash must have 64 hex digits after \"sha256:\", it has %d", len(hexPart))
	}
	for i := 0; i < len(hexPart); i++ {
		c := hexPart[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			// One spelling per hash keeps config diffs and duplicate detection honest.
			return h, fmt.Errorf("API key hash must be lowercase hex: character %d after \"sha256:\" is not", i+1)
		}
	}
	if _, err := hex.Decode(h[:], []byte(hexPart)); err != nil {
		return h, fmt.Errorf("API key hash: %v", err)
	}
	return h, nil
}

// HashKey returns "sha256:<hex>" of key, the form ParseKeyHash reads and configs store.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return keyHashPrefix + hex.EncodeToString(sum[:])
}

// NewAPIKey makes a key of 32 random bytes, "mcpk_" + base64url, and its hash. Keys are
// random, not chosen, so one unsalted SHA-256 is enough: there is nothing to guess.
func NewAPIKey() (key, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("generate API key: %w", err)
	}
	key = APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, HashKey(key), nil
}

// APIKeys is a fixed set of API keys, safe for concurrent use.
type APIKeys struct {
	keys []APIKey
	// compare is compareHashes; a test swaps it to count comparisons. The
	// hashes go by value, so that the hash of the key looked up stays on
	// the stack.
	compare func(a, b [32]byte) int
}

func compareHashes(a, b [32]byte) int { return subtle.ConstantTimeCompare(a[:], b[:]) }

// NewAPIKeys checks the keys and copies them. Duplicate hashes are an error (one key would
// stand for two principals), and so are duplicate names (the audit trail could not tell them
// apart), a zero hash (never set) and an empty subject.
func NewAPIKeys(keys []APIKey) (*APIKeys, error) {
	byHash := make(map[[32]byte]string, len(keys))
	byName := make(map[string]bool, len(keys))
	out := make([]APIKey, len(keys))
	for i, k := range keys {
		switch {
		case k.Name == "":
			return nil, fmt.Errorf("API key %d has no name", i+1)
		case byName[k.Name]:
			return nil, fmt.Errorf("API key %q is declared twice", k.Name)
		case k.Hash == [32]byte{}:
			return nil, fmt.Errorf("API key %q has no hash", k.Name)
		case k.Identity.Subject == "":
			return nil, fmt.Errorf("API key %q has no subject", k.Name)
		}
		if other, dup := byHash[k.Hash]; dup {
			return nil, fmt.Errorf("API keys %q and %q have the same hash", other, k.Name)
		}
		byHash[k.Hash] = k.Name
		byName[k.Name] = true
		k.Identity.Method = MethodAPIKey
		k.Identity.KeyName = k.Name
		out[i] = k
	}
	return &APIKeys{keys: out, compare: compareHashes}, nil
}

// Len is the number of keys.
func (k *APIKeys) Len() int { return len(k.keys) }

// Lookup hashes key once and compares the hash with every entry in constant time, without
// stopping at a match, so neither the position of a key nor its prefix shows in the timing.
// The Identity is the key's own, shared by every lookup, as a cached token's is: it must not
// be modified, nor its Scopes and Claims.
func (k *APIKeys) Lookup(key string) (*Identity, bool) {
	sum := sum256(key)
	found := -1
	for i := range k.keys {
		eq := k.compare(sum, k.keys[i].Hash)
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	if found < 0 {
		return nil, false
	}
	return &k.keys[found].Identity, true
}
