package http

import (
	"strings"
	"testing"
)

func TestScrubber(t *testing.T) {
	s := newScrubber([]string{"Bearer tok-Secret-4f9a", "Basic c3ZjLW1jcGdlbjpQYTU1d29yZC03Nw==", "1.2.3"})
	tests := []struct{ in, want string }{
		{"no secret here", "no secret here"},
		{"got Bearer tok-Secret-4f9a!", "got [redacted]!"},
		{"got BEARER TOK-SECRET-4F9A", "got [redacted]"},
		{"token tok-secret-4f9a and tok-Secret-4f9a", "token [redacted] and [redacted]"},
		{"got Bearer+tok-Secret-4f9a", "got [redacted]"},
		{"user svc-mcpgen:PA55WORD-77 password pa55word-77", "user [redacted] password [redacted]"},
		{"basic C3ZJLW1JCGDLBJPQYTU1D29YZC03NW%3D%3D", "basic [redacted]"},
		{"version 1.2.3", "version 1.2.3"}, // shorter than minSecret
		{"ÉtÉ tok-secret-4f9a ü", "ÉtÉ [redacted] ü"},
	}
	for _, tt := range tests {
		if got := s.text(tt.in); got != tt.want {
			t.Errorf("text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkScrub: scrubbing a 4xx body, up to max_response_bytes (1 MB
// by default), for a source with three header values.
func BenchmarkScrub(b *testing.B) {
	s := newScrubber([]string{"Bearer tok-Secret-4f9a2c7e", "application/json", "Basic c3ZjLW1jcGdlbjpQYTU1d29yZC03Nw=="})
	for _, n := range []int{200, 1 << 20} {
		msg := strings.Repeat("the upstream says no: invalid request parameter value here. ", n/60+1)[:n]
		b.Run(strings.ReplaceAll(sizeName(n), " ", ""), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				s.text(msg)
			}
		})
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return "1MB"
	}
	return "200B"
}
