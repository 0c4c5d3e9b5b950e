package hcl

import (
	"strings"
	"sync"
)

// minSecretLen keeps short env() values (a port, "1") from redacting every
// occurrence of a common substring in logs.
const minSecretLen = 4

// Secrets records every value read with env() so that logs can redact them.
type Secrets struct {
	mu     sync.RWMutex
	values []string
}

// Add records v as a secret.
func (s *Secrets) Add(v string) {
	if len(v) < minSecretLen {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.values {
		if have == v {
			return
		}
	}
	s.values = append(s.values, v)
}

// Redact replaces every recorded secret in text with "[redacted]".
func (s *Secrets) Redact(text string) string {
	if s == nil {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.values {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, "[redacted]")
		}
	}
	return text
}

// AddAll records every secret of other: a reloaded configuration's values
// join those the log already redacts.
func (s *Secrets) AddAll(other *Secrets) {
	if other == nil || other == s {
		return
	}
	other.mu.RLock()
	values := append([]string(nil), other.values...)
	other.mu.RUnlock()
	for _, v := range values {
		s.Add(v)
	}
}
