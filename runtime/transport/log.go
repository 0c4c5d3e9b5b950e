package transport

import (
	"bytes"
	"context"
	"log/slog"

	"github.com/rs/zerolog"
)

// zerologWriter adapts a zerolog logger for libraries that want a
// *log.Logger.
type zerologWriter struct{ log zerolog.Logger }

func (z zerologWriter) Write(p []byte) (int, error) {
	z.log.Warn().Msg(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// slogHandler sends mcp-go's slog records to the operational log.
type slogHandler struct{ log zerolog.Logger }

func (h slogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.log.GetLevel() <= zerologLevel(l)
}

func (h slogHandler) Handle(_ context.Context, r slog.Record) error {
	ev := h.log.WithLevel(zerologLevel(r.Level))
	r.Attrs(func(a slog.Attr) bool {
		ev = ev.Interface(a.Key, a.Value.Any())
		return true
	})
	ev.Msg(r.Message)
	return nil
}

func (h slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	ctx := h.log.With()
	for _, a := range attrs {
		ctx = ctx.Interface(a.Key, a.Value.Any())
	}
	return slogHandler{ctx.Logger()}
}

func (h slogHandler) WithGroup(string) slog.Handler { return h }

func zerologLevel(l slog.Level) zerolog.Level {
	switch {
	case l >= slog.LevelError:
		return zerolog.ErrorLevel
	case l >= slog.LevelWarn:
		return zerolog.WarnLevel
	case l >= slog.LevelInfo:
		return zerolog.InfoLevel
	}
	return zerolog.DebugLevel
}
