package transport

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
)

// readyTimeout bounds how long /readyz waits for the sources.
const readyTimeout = 2 * time.Second

// opsRoutes adds the health checks, and /metrics unless it is served
// elsewhere, to mux. None needs authentication or reveals more than counts.
func opsRoutes(mux *http.ServeMux, s *runtime.Server, withMetrics bool) {
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", readyz(s))
	if h := s.MetricsHandler(); withMetrics && h != nil {
		mux.Handle("GET /metrics", h)
	}
}

// ServeOps serves /healthz, /readyz and /metrics on a listener of their
// own until ctx ends: a port for Prometheus and probes that is not the MCP
// port, and for a stdio server the only way to reach them.
func ServeOps(ctx context.Context, s *runtime.Server, ln net.Listener) error {
	mux := http.NewServeMux()
	opsRoutes(mux, s, true)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          log.New(zerologWriter{s.Log()}, "", 0),
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

// readyz answers 200 when a configuration is loaded and every required
// dependency answers, 503 otherwise. It is unauthenticated, so it names
// each dependency (as the configuration does) with its state, and nothing
// else: why one is down goes to the log. It names the generation served
// and its configuration hash, so that a deploy can wait for a reload to
// land.
func readyz(s *runtime.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		rd := s.Readiness(ctx)
		if rd.ShuttingDown {
			writeHealth(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down"})
			return
		}
		status, code := "ready", http.StatusOK
		if !rd.Ready {
			status, code = "not ready", http.StatusServiceUnavailable
		}
		deps := make(map[string]any, len(rd.Dependencies))
		for _, d := range rd.Dependencies {
			state := "down"
			if d.Up {
				state = "up"
			}
			dep := map[string]any{"required": d.Required, "state": state}
			if d.Breaker != "" {
				dep["breaker"] = d.Breaker
			}
			deps[d.Name] = dep
		}
		writeHealth(w, code, map[string]any{
			"status": status, "sources": rd.Sources, "unreachable": rd.Unreachable,
			"generation": rd.Generation, "config_hash": rd.ConfigHash, "dependencies": deps,
		})
	}
}

func writeHealth(w http.ResponseWriter, code int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
