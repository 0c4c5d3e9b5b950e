package runtime

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
)

// Keys mcpgen writes in a tools/list entry's _meta. The prefix is the
// project's reverse-DNS name, as the MCP spec asks of _meta keys.
const (
	// MetaDefinitionHash is the tool's definition hash (DefinitionHash):
	// clients and gateways can pin it, and mcpgen.lock records it.
	MetaDefinitionHash = "io.github.mcpgen/definition_hash"
	// MetaDeprecated is the tool's deprecation notice, as written.
	MetaDeprecated = "io.github.mcpgen/deprecated"
)

// DefinitionHash is "sha256:" and the hex SHA-256 of a tool's definition
// as clients see it in tools/list, in canonical JSON (CanonicalJSON),
// without the hash itself in _meta. A generation hashes the definition its
// configuration determines, before any source is opened, so the columns a
// database reports are not part of it: the hash depends on the files
// only, and it is what `mcpgen lock` records as the tool's client hash.
func DefinitionHash(t mcp.Tool) (string, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("tool %s: %w", t.Name, err)
	}
	var v map[string]any
	if err := decodeJSON(b, &v); err != nil {
		return "", fmt.Errorf("tool %s: %w", t.Name, err)
	}
	if meta, ok := v["_meta"].(map[string]any); ok {
		delete(meta, MetaDefinitionHash)
		if len(meta) == 0 {
			delete(v, "_meta")
		}
	}
	return Hash(v)
}

// CanonicalJSON encodes v as JSON with object keys sorted at every depth,
// no insignificant whitespace and numbers as they were written, so that
// equal values give equal bytes however their Go types order fields.
func CanonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	if err := decodeJSON(b, &generic); err != nil {
		return nil, err
	}
	return json.Marshal(generic) // maps encode with sorted keys
}

// Hash is "sha256:" and the hex SHA-256 of v's canonical JSON.
func Hash(v any) (string, error) {
	b, err := CanonicalJSON(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// decodeJSON decodes keeping numbers exact (json.Number).
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
