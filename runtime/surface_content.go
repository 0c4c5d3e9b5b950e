package runtime

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// ContentSurface is fixed content clients are sent: a static resource's
// text or blob, a prompt's message, a fixed-content tool's item. Binary
// data is shown as its SHA-256 and size, text as it is.
type ContentSurface struct {
	Kind     string `json:"kind"`           // text, image, audio, resource
	Role     string `json:"role,omitempty"` // a prompt message's
	Text     string `json:"text,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	URI      string `json:"uri,omitempty"`
	// Data is "sha256:" and the hex SHA-256 of binary data, Size its
	// length in bytes.
	Data string `json:"data_sha256,omitempty"`
	Size int    `json:"size,omitempty"`
}

func contentSurface(c *cfg.Content, role string) ContentSurface {
	s := ContentSurface{Kind: string(c.Kind), Role: role, Text: c.Text, MimeType: c.MimeType, URI: c.URI}
	if c.Data != "" {
		s.Data, s.Size = dataDigest(c.Data)
	}
	return s
}

func resourceContent(r *cfg.Resource) *ContentSurface {
	if r.Query != nil {
		return nil
	}
	s := &ContentSurface{Kind: "text", Text: r.Text, MimeType: r.MimeType}
	if r.IsBlob {
		s.Kind, s.Text = "blob", ""
		s.Data, s.Size = dataDigest(r.Blob)
	}
	return s
}

func promptMessages(p *cfg.Prompt) ([]ContentSurface, map[string][]string) {
	msgs := []ContentSurface{}
	for _, m := range p.Messages {
		msgs = append(msgs, contentSurface(m.Content, m.Role))
	}
	var enums map[string][]string
	for _, a := range p.Arguments {
		if len(a.Enum) > 0 {
			if enums == nil {
				enums = map[string][]string{}
			}
			enums[a.Name] = a.Enum
		}
	}
	return msgs, enums
}

// dataDigest hashes base64 data (decoded; as written if it does not
// decode, which Load has refused already).
func dataDigest(b64 string) (string, int) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		b = []byte(b64)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), len(b)
}
