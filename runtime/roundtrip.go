package runtime

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpgen/mcpgen/runtime/audit"
)

// Confirmation in protocol 2026-07-28 (multi round-trip requests). The
// first tools/call returns input_required: the question, and a
// requestState the client must echo when it calls again with the user's
// answer. The client holds the state between the two calls, so the server
// seals it: an HMAC over the tool, a digest of the validated arguments,
// the caller and an expiry. A second call whose state does not verify
// (changed arguments, another caller, another tool, expired, forged) runs
// nothing; an answer without any state is never taken as an answer, so a
// client cannot skip the question by sending "accept" up front. Each state
// is accepted once by this process, so a confirmed call cannot be replayed
// while its state is still fresh; with limits in Redis, once across every
// replica sharing it and across restarts too (claimOnce).

// confirmInput is the key of the question in inputRequests.
const confirmInput = "confirm"

// sealer seals and opens request states. Its zero value is ready: the key
// is random, made at first use, and lives as long as the process. With
// ServerOptions.StateKey (the session key of --session-key-file) replicas
// that share it accept each other's states; each still accepts a state
// once, so a state could be used once on each replica while it is fresh.
type sealer struct {
	once sync.Once
	key  []byte

	mu   sync.Mutex
	used map[string]time.Time // nonce -> expiry, of states already accepted
}

type sealedState struct {
	Tool    string `json:"t"`
	Args    string `json:"a"` // hex SHA-256 of the arguments' JSON
	Subject string `json:"s"`
	Expires int64  `json:"e"` // unix seconds
	Nonce   string `json:"n"`
}

// newSealer seals with a key derived from shared (nil: a random key).
func newSealer(shared []byte) sealer {
	if len(shared) == 0 {
		return sealer{}
	}
	// A key of its own: the session key also signs session ids.
	m := hmac.New(sha256.New, shared)
	m.Write([]byte("mcpgen confirmation requestState"))
	return sealer{key: m.Sum(nil)}
}

func (s *sealer) init() {
	s.once.Do(func() {
		if s.key == nil {
			s.key = make([]byte, 32)
			_, _ = rand.Read(s.key)
		}
		s.used = map[string]time.Time{}
	})
}

func argsDigest(args map[string]any) string {
	b, err := json.Marshal(args) // keys sorted: equal arguments, equal bytes
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (s *sealer) mac(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *sealer) seal(st sealedState) string {
	s.init()
	b, _ := json.Marshal(st) // plain strings and a number
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + s.mac(payload)
}

// open verifies state against want (tool, args, subject) and marks it
// used. It says why it refuses, in words for the caller.
func (s *sealer) open(state string, want sealedState, now time.Time) (sealedState, error) {
	s.init()
	payload, sig, ok := strings.Cut(state, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.mac(payload))) {
		return sealedState{}, fmt.Errorf("the confirmation's requestState is not one this server issued (or the server restarted since)")
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	var st sealedState
	if err != nil || json.Unmarshal(b, &st) != nil {
		return sealedState{}, fmt.Errorf("the confirmation's requestState is not one this server issued")
	}
	switch {
	case st.Tool != want.Tool || st.Subject != want.Subject:
		return sealedState{}, fmt.Errorf("the confirmation was given for another call")
	case st.Args != want.Args:
		return sealedState{}, fmt.Errorf("the arguments changed since the user confirmed")
	case now.Unix() > st.Expires:
		return sealedState{}, fmt.Errorf("the confirmation expired")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, exp := range s.used {
		if now.After(exp) {
			delete(s.used, n)
		}
	}
	if _, seen := s.used[st.Nonce]; seen {
		return sealedState{}, fmt.Errorf("the confirmation was already used")
	}
	s.used[st.Nonce] = time.Unix(st.Expires, 0)
	return st, nil
}

// elicitRoundTrip is elicit for protocol 2026-07-28.
func (cp *callPath) elicitRoundTrip(ctx context.Context, log callLog, rec *audit.Record, t *toolEntry, args map[string]any, req mcp.CallToolRequest) (map[string]any, *mcp.CallToolResult) {
	now := time.Now()
	want := sealedState{Tool: t.decl.Name, Args: argsDigest(args), Subject: PrincipalFrom(ctx).Subject}
	rt := req.Params.MultiRoundTripParams
	if rt.RequestState == "" {
		// The first call, or answers without the state we issued: ask.
		nonce := make([]byte, 16)
		_, _ = rand.Read(nonce)
		st := want
		st.Expires, st.Nonce = now.Add(t.askTimeout()).Unix(), hex.EncodeToString(nonce)
		log.Debug().Msg("asking the user (input_required)")
		rec.Outcome, rec.Reason = audit.Asked, "asked the user"
		return nil, server.NewInputRequestBuilder(cp.seal.seal(st)).Elicit(confirmInput, t.elicitation(args)).ToolResult()
	}
	st, err := cp.seal.open(rt.RequestState, want, now)
	if err == nil {
		err = claimOnce(ctx, t, st)
	}
	if err != nil {
		log.Info().Err(err).Msg("confirmation refused")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Denied, "confirmation", err.Error()
		return nil, errorResult(fmt.Sprintf("Not done: %s. Nothing was run; call the tool again to ask the user again.", err))
	}
	res := server.ElicitationResponse(rt.InputResponses, confirmInput)
	if res == nil {
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Invalid, "confirmation", "no answer to the confirmation"
		return nil, errorResult(fmt.Sprintf("Not done: the call carried no answer under inputResponses.%s. Nothing was run.", confirmInput))
	}
	return cp.answered(log, rec, t, args, res)
}

// claimOnce claims an opened state in the generation's Redis, when its
// limits live there: replicas that share the session key accept each
// other's states, and each remembers only the states it accepted itself,
// until it restarts. The claim makes a state run once across all of them.
// A Redis that does not answer refuses the confirmation whatever
// on_redis_error says: the user is asked again, never the call run twice.
func claimOnce(ctx context.Context, t *toolEntry, st sealedState) error {
	g := t.limits.gen
	if g == nil || g.store.v.redis == nil {
		return nil
	}
	first, err := g.store.v.redis.Claim(ctx, "confirm:"+st.Nonce, time.Unix(st.Expires, 0))
	switch {
	case err != nil:
		return fmt.Errorf("the server could not make sure this confirmation is used only once (its Redis does not answer)")
	case !first:
		return fmt.Errorf("the confirmation was already used")
	}
	return nil
}
