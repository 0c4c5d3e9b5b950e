package runtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/audit"
)

// Asking the human. A tool with a confirm block runs only after the user
// at the client accepted, through MCP elicitation (elicitation/create, a
// request from the server to the client, which shows it to its user). The
// server asks after the guard and the limits and before the adapter, so a
// call that would be refused never bothers the user, and nothing runs
// until the answer is accept. The model sees only the tool's result: it
// cannot answer for the user.

// elicitationClient is what mcp-go's session offers for asking its user.
type elicitationClient interface {
	server.SessionWithClientInfo
	server.SessionWithElicitation
}

// formCapable reports whether declared elicitation capabilities include
// forms: form mode, or no mode at all (which means form).
func formCapable(e *mcp.ElicitationCapability) bool {
	return e != nil && (e.Form != nil || e.URL == nil)
}

// legacyElicitation returns the session to ask on, for a request of a
// revision up to 2025-11-25: one whose client declared forms at initialize,
// on a session mcp-go can send requests on. A stateless HTTP request has
// no session for the client to answer on.
func legacyElicitation(ctx context.Context) (elicitationClient, bool) {
	cs, ok := server.ClientSessionFromContext(ctx).(elicitationClient)
	if !ok || cs.SessionID() == "" || !formCapable(cs.GetClientCapabilities().Elicitation) {
		return nil, false
	}
	return cs, true
}

// confirm asks the user to confirm the call req of t with args, when t
// says so. It returns nil when the call may run; otherwise the result the
// caller gets, with rec completed.
//
// Up to 2025-11-25 the server sends elicitation/create and waits for the
// answer. From 2026-07-28 there are no server-to-client requests: the
// first call returns input_required with the question and a sealed
// requestState, and the client calls again with the user's answer
// (roundtrip.go).
func (cp *callPath) confirm(ctx context.Context, log callLog, rec *audit.Record, t *toolEntry, args map[string]any, req mcp.CallToolRequest) *mcp.CallToolResult {
	c := t.decl.Confirm
	if c == nil {
		return nil
	}
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		if info.ClientCapabilities == nil || !formCapable(info.ClientCapabilities.Elicitation) {
			return cp.cannotAsk(log, rec, t)
		}
		return cp.confirmRoundTrip(ctx, log, rec, t, args, req)
	}
	cs, ok := legacyElicitation(ctx)
	if !ok {
		return cp.cannotAsk(log, rec, t)
	}

	askCtx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	res, err := cs.RequestElicitation(askCtx, mcp.ElicitationRequest{
		Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)},
		Params:  confirmParams(c, args),
	})
	switch {
	case err != nil && ctx.Err() != nil:
		log.Info().Msg("call cancelled by the client while asking the user")
		rec.Outcome, rec.ErrorClass = audit.Error, "cancelled"
		return errorResult("The call was cancelled. Nothing was run.")
	case err != nil && errors.Is(askCtx.Err(), context.DeadlineExceeded):
		log.Info().Dur("timeout", c.Timeout).Msg("the user did not answer the confirmation")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Timeout, "confirmation", "the user did not answer"
		return errorResult(fmt.Sprintf("Not done: the user did not answer the confirmation within %s. Nothing was run.", c.Timeout))
	case err != nil:
		log.Warn().Err(err).Msg("asking the user failed")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Error, "confirmation", "the client did not answer the confirmation"
		return errorResult(fmt.Sprintf("Not done: the client could not ask the user to confirm %s. Nothing was run.", t.decl.Name))
	}
	return cp.answered(log, rec, t, res)
}

// cannotAsk applies on_no_elicitation to a client that cannot ask its user.
func (cp *callPath) cannotAsk(log callLog, rec *audit.Record, t *toolEntry) *mcp.CallToolResult {
	if t.decl.Confirm.OnNoElicitation == cfg.OnNoElicitationRun {
		log.Info().Msg("ran without confirmation: the client cannot ask its user (on_no_elicitation = run)")
		rec.Reason = "unconfirmed: the client cannot ask its user"
		return nil
	}
	log.Info().Msg("confirmation impossible: the client cannot ask its user")
	rec.Outcome, rec.ErrorClass, rec.Reason = audit.Denied, "confirmation", "the client cannot ask its user"
	return errorResult(fmt.Sprintf("Not done: %s needs the user's confirmation, and this client cannot ask for it "+
		"(it did not declare the elicitation capability, or the connection has no session to answer on). Nothing was run. "+
		"Use a client that supports elicitation.", t.decl.Name))
}

// confirmParams is the question: the filled-in message, and nothing to
// fill in (the answer is the action alone).
func confirmParams(c *cfg.Confirm, args map[string]any) mcp.ElicitationParams {
	return mcp.ElicitationParams{
		Message:         confirmMessage(c, args),
		RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{}},
	}
}

// answered acts on the user's answer.
func (cp *callPath) answered(log callLog, rec *audit.Record, t *toolEntry, res *mcp.ElicitationResult) *mcp.CallToolResult {
	switch res.Action {
	case mcp.ElicitationResponseActionAccept:
		rec.Reason = "confirmed by the user"
		return nil
	case mcp.ElicitationResponseActionDecline:
		log.Info().Msg("the user declined")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Declined, "confirmation", "the user declined"
		return errorResult(fmt.Sprintf("Not done: the user declined to %s. Nothing was run. Do not retry unless the user asks again.", confirmVerb(t)))
	case mcp.ElicitationResponseActionCancel:
		log.Info().Msg("the user dismissed the confirmation")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Declined, "confirmation", "the user cancelled"
		return errorResult(fmt.Sprintf("Not done: the user dismissed the confirmation to %s without answering. Nothing was run.", confirmVerb(t)))
	}
	log.Warn().Str("action", string(res.Action)).Msg("unknown elicitation action")
	rec.Outcome, rec.ErrorClass, rec.Reason = audit.Error, "confirmation", "the client answered with an unknown action"
	return errorResult("Not done: the client's answer to the confirmation was not accept, decline or cancel. Nothing was run.")
}

func confirmVerb(t *toolEntry) string {
	return fmt.Sprintf("run %s", t.decl.Name)
}

// maxShown bounds how much of one argument a confirmation shows.
const maxShown = 200

// confirmMessage fills a confirmation's placeholders with the call's
// arguments. The model chose them, so each is shown as data: strings
// quoted with every control character escaped (a value cannot start a
// line of its own that reads like the server's text), long values cut.
func confirmMessage(c *cfg.Confirm, args map[string]any) string {
	var b strings.Builder
	for _, p := range c.Parts {
		if p.Param == "" {
			b.WriteString(p.Text)
			continue
		}
		b.WriteString(showValue(args[p.Param]))
	}
	return b.String()
}

func showValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "(none)"
	case string:
		if utf8.RuneCountInString(v) > maxShown {
			v = string([]rune(v)[:maxShown]) + "…"
		}
		// Go's quoting escapes what is not printable, format characters
		// (such as a right-to-left override) included.
		return strconv.Quote(v)
	case []any:
		shown := make([]string, len(v))
		for i, e := range v {
			shown[i] = showValue(e)
		}
		s := "[" + strings.Join(shown, ", ") + "]"
		if utf8.RuneCountInString(s) > maxShown {
			s = string([]rune(s)[:maxShown]) + "…"
		}
		return s
	}
	return fmt.Sprint(v) // a number or a boolean: validated arguments
}

// ConfirmSurface is a tool's confirmation as the Surface shows it.
type ConfirmSurface struct {
	Message         string `json:"message"`
	OnNoElicitation string `json:"on_no_elicitation"`
	Timeout         string `json:"timeout"`
}

func confirmSurface(c *cfg.Confirm) *ConfirmSurface {
	if c == nil {
		return nil
	}
	return &ConfirmSurface{Message: c.Message, OnNoElicitation: c.OnNoElicitation, Timeout: c.Timeout.String()}
}
