package configtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// userSession is a case's client session in process. It declares the
// elicitation capability unless the case's user cannot be asked, and
// answers each question as the case's user block says: the test plays the
// human, never the model, so a confirm or ask block runs through the
// server's real elicitation path.
type userSession struct {
	id    string
	user  *cfg.TestUser // nil: the case declares no answer
	notes chan mcp.JSONRPCNotification
	stop  chan struct{}
	ready atomic.Bool

	mu   sync.Mutex
	info mcp.Implementation
	caps mcp.ClientCapabilities
	// unanswered is the first question the case had no answer for.
	unanswered string
}

var (
	_ server.SessionWithClientInfo  = (*userSession)(nil)
	_ server.SessionWithElicitation = (*userSession)(nil)
)

func newUserSession(id string, user *cfg.TestUser) *userSession {
	s := &userSession{id: id, user: user, notes: make(chan mcp.JSONRPCNotification, 64), stop: make(chan struct{})}
	// Notifications (logging, progress) are not part of what a case
	// checks: they are read and dropped, so the server never blocks.
	go func() {
		for {
			select {
			case <-s.notes:
			case <-s.stop:
				return
			}
		}
	}()
	return s
}

func (s *userSession) close() { close(s.stop) }

// canAsk reports whether the client declares elicitation.
func (s *userSession) canAsk() bool { return s.user == nil || s.user.Action != cfg.UserCannotAsk }

// capabilities are what the client declares at initialize.
func (s *userSession) capabilities() map[string]any {
	if !s.canAsk() {
		return map[string]any{}
	}
	return map[string]any{"elicitation": map[string]any{"form": map[string]any{}}}
}

func (s *userSession) Initialize()                                         { s.ready.Store(true) }
func (s *userSession) Initialized() bool                                   { return s.ready.Load() }
func (s *userSession) NotificationChannel() chan<- mcp.JSONRPCNotification { return s.notes }
func (s *userSession) SessionID() string                                   { return s.id }

func (s *userSession) GetClientInfo() mcp.Implementation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

func (s *userSession) SetClientInfo(info mcp.Implementation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.info = info
}

func (s *userSession) GetClientCapabilities() mcp.ClientCapabilities {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caps
}

func (s *userSession) SetClientCapabilities(caps mcp.ClientCapabilities) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caps = caps
}

// RequestElicitation answers a question as the case's user.
func (s *userSession) RequestElicitation(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	if s.user == nil {
		s.mu.Lock()
		if s.unanswered == "" {
			s.unanswered = req.Params.Message
		}
		s.mu.Unlock()
		return nil, fmt.Errorf("the case declares no user answer")
	}
	res := &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseAction(s.user.Action)}}
	if s.user.Action == cfg.UserAccept && len(s.user.Answers) > 0 {
		content := make(map[string]any, len(s.user.Answers))
		for name, raw := range s.user.Answers {
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("answer %s: %w", name, err)
			}
			content[name] = v
		}
		res.Content = content
	}
	return res, nil
}

// question is the first question the case had no answer for, or "".
func (s *userSession) question() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unanswered
}
