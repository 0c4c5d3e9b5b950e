package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net"
	"net/http"
	"time"
)

// readyTimeout bounds how long /readyz waits for the sources.
const readyTimeout = 2 * time.Second

// opsRoutes adds the health checks, and /metrics unless it is served
// elsewhere, to mux. None needs authentication or reveals more than counts.
func (s *Server) opsRoutes(mux *http.ServeMux, withMetrics bool) {
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if withMetrics && s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics.Handler())
	}
}

// ServeOps serves /healthz, /readyz and /metrics on a listener of their
// own until ctx ends: a port for Prometheus and probes that is not the MCP
// port, and for a stdio server the only way to reach them.
func (s *Server) ServeOps(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	s.opsRoutes(mux, true)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          log.New(zerologWriter{s.log}, "", 0),
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-stopped
		return nil
	}
	return err
}

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
	gen, ok := s.hold() // its sources must stay open while they are pinged
	if !ok {
		writeHealth(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down"})
		return
	}
	defer s.drop(gen)
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
