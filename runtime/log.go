package runtime

import (
	"io"

	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// NewLogger returns the operational logger: JSON lines on w, with every
// env() secret of the configuration redacted. It never writes to stdout on
// its own; the caller chooses w (stderr when serving stdio).
func NewLogger(w io.Writer, secrets *cfg.Secrets, level zerolog.Level) zerolog.Logger {
	return zerolog.New(redactingWriter{w: w, secrets: secrets}).Level(level).With().Timestamp().Logger()
}

type redactingWriter struct {
	w       io.Writer
	secrets *cfg.Secrets
}

func (r redactingWriter) Write(p []byte) (int, error) {
	clean := r.secrets.Redact(string(p))
	if _, err := io.WriteString(r.w, clean); err != nil {
		return 0, err
	}
	return len(p), nil
}

// ParseLevel maps a level name (debug, info, warn, error) to zerolog's,
// defaulting to info.
func ParseLevel(name string) zerolog.Level {
	l, err := zerolog.ParseLevel(name)
	if err != nil || name == "" {
		return zerolog.InfoLevel
	}
	return l
}
