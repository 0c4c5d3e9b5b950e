package transport

import (
	"bytes"

	"github.com/rs/zerolog"
)

// zerologWriter adapts a zerolog logger for libraries that want a
// *log.Logger.
type zerologWriter struct{ log zerolog.Logger }

func (z zerologWriter) Write(p []byte) (int, error) {
	z.log.Warn().Msg(string(bytes.TrimSpace(p)))
	return len(p), nil
}
