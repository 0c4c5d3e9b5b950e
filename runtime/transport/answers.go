package transport

import (
	"context"
	"net/http"

	"github.com/mcpgen/mcpgen/runtime"
)

// watchAnswers passes the answer to a POST through the server's
// runtime.Answers: a request whose params did not decode gets a clean
// error instead of mcp-go's, and one that was not JSON is audited.
func watchAnswers(s *runtime.Server, w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	a := s.NewAnswers("http", r.RemoteAddr)
	r = r.WithContext(runtime.WithAnswers(r.Context(), a))
	return &answerWriter{ResponseWriter: w, ctx: r.Context(), answers: a}, r
}

type answerWriter struct {
	http.ResponseWriter
	ctx     context.Context
	answers *runtime.Answers
	status  int
	audited bool
}

func (w *answerWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *answerWriter) Write(p []byte) (int, error) {
	out := w.answers.Filter(p)
	// mcp-go answers a body that is not JSON with 400 and -32700.
	if w.status == http.StatusBadRequest && !w.audited && runtime.IsParseError(out) {
		w.audited = true
		w.answers.NotJSON(w.ctx)
	}
	if _, err := w.ResponseWriter.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush lets mcp-go stream (it looks for http.Flusher).
func (w *answerWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (write
// deadlines).
func (w *answerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
