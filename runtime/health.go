package runtime

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// readyTimeout bounds how long /readyz waits for the sources.
const readyTimeout = 2 * time.Second

// healthz answers while the process serves: for liveness probes.
func healthz(w http.ResponseWriter, r *http.Request) {
	writeHealth(w, http.StatusOK, map[string]any{"status": "alive"})
}

// readyz answers 200 when a configuration is loaded and every source is
// reachable, 503 otherwise. It is unauthenticated, so it says how many
// sources are unreachable and nothing else; which one, and why, goes to
// the log. It names the generation served and its configuration hash, so
// that a deploy can wait for a reload to land.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	gen := s.Generation()
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	down := gen.Unreachable(ctx)
	for key, err := range down {
		s.log.Warn().Str("source", key).Err(err).Msg("readiness: source unreachable")
	}
	status, code := "ready", http.StatusOK
	if len(down) > 0 {
		status, code = "not ready", http.StatusServiceUnavailable
	}
	writeHealth(w, code, map[string]any{
		"status": status, "sources": len(gen.order), "unreachable": len(down),
		"generation": gen.number, "config_hash": gen.hash,
	})
}

func writeHealth(w http.ResponseWriter, code int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
