package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
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

// elicit asks the user at the client what t needs before it runs: a
// confirmation (confirm block), values (ask blocks), or both in one form.
// It returns the arguments to run with (args, plus the answers), or the
// result the caller gets instead, with rec completed.
//
// Up to 2025-11-25 the server sends elicitation/create and waits for the
// answer. From 2026-07-28 there are no server-to-client requests: the
// first call returns input_required with the question and a sealed
// requestState, and the client calls again with the user's answer
// (roundtrip.go).
func (cp *callPath) elicit(ctx context.Context, log callLog, rec *audit.Record, t *toolEntry, args map[string]any, req mcp.CallToolRequest) (map[string]any, *mcp.CallToolResult) {
	if t.asks == nil {
		return args, nil
	}
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		if info.ClientCapabilities == nil || !formCapable(info.ClientCapabilities.Elicitation) {
			return cp.cannotAsk(log, rec, t, args)
		}
		return cp.elicitRoundTrip(ctx, log, rec, t, args, req)
	}
	cs, ok := legacyElicitation(ctx)
	if !ok {
		return cp.cannotAsk(log, rec, t, args)
	}
	if cp.leaving.Err() != nil {
		return cp.withdrawn(log, rec, "not asked")
	}

	// The question is withdrawn when shutdown begins (BeginShutdown).
	withdrawCtx, withdraw := context.WithCancelCause(ctx)
	defer withdraw(nil)
	defer context.AfterFunc(cp.leaving, func() { withdraw(ErrRestarting) })()
	timeout := t.askTimeout()
	askCtx, cancel := context.WithTimeout(withdrawCtx, timeout)
	defer cancel()
	res, err := cs.RequestElicitation(askCtx, mcp.ElicitationRequest{
		Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)},
		Params:  t.elicitation(args),
	})
	switch {
	case err != nil && ctx.Err() != nil:
		log.Info().Msg("call cancelled by the client while asking the user")
		rec.Outcome, rec.ErrorClass = audit.Error, "cancelled"
		return nil, errorResult("The call was cancelled. Nothing was run.")
	case err != nil && errors.Is(context.Cause(withdrawCtx), ErrRestarting):
		return cp.withdrawn(log, rec, "withdrawn")
	case err != nil && errors.Is(askCtx.Err(), context.DeadlineExceeded):
		log.Info().Dur("timeout", timeout).Msg("the user did not answer")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Timeout, "confirmation", "the user did not answer"
		return nil, errorResult(fmt.Sprintf("Not done: the user did not answer within %s. Nothing was run.", timeout))
	case err != nil:
		log.Warn().Err(err).Msg("asking the user failed")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Error, "confirmation", "the client did not answer the question"
		return nil, errorResult(fmt.Sprintf("Not done: the client could not ask the user about %s. Nothing was run.", t.decl.Name))
	}
	return cp.answered(log, rec, t, args, res)
}

// ErrRestarting is why a call that was to ask its user ended without an
// answer: the replica began to shut down (BeginShutdown). Nothing was run,
// and the same call, made again, is served by another replica or by this
// one restarted.
var ErrRestarting = errors.New("the server is restarting: nothing was run; call the tool again")

// withdrawn ends a call whose question shutdown withdrew (or kept from
// being asked: how says which).
func (cp *callPath) withdrawn(log callLog, rec *audit.Record, how string) (map[string]any, *mcp.CallToolResult) {
	log.Info().Str("question", how).Msg("the server is shutting down: the question to the user is withdrawn")
	rec.Outcome, rec.ErrorClass, rec.Reason = audit.Error, "confirmation", "withdrawn: the server is restarting"
	return nil, errorResult("Not done: " + ErrRestarting.Error() + ".")
}

// askTimeout is how long the user may take to answer.
func (t *toolEntry) askTimeout() time.Duration {
	if t.decl.Confirm != nil {
		return t.decl.Confirm.Timeout
	}
	return cfg.DefaultConfirmTimeout
}

// elicitation is the question for a call with args: the confirmation's
// filled-in message (or a sentence naming the tool), and the form of the
// tool's asks (empty for a confirmation alone: the answer is the action).
func (t *toolEntry) elicitation(args map[string]any) mcp.ElicitationParams {
	msg := ""
	if t.decl.Confirm != nil {
		msg = confirmMessage(t.decl.Confirm, args)
	} else {
		name := t.decl.Title
		if name == "" {
			name = t.decl.Name
		}
		msg = fmt.Sprintf("%s needs some information from you.", name)
	}
	return mcp.ElicitationParams{Message: msg, RequestedSchema: t.askSchema}
}

// cannotAsk applies on_no_elicitation to a client that cannot ask its
// user: "run" runs with the asks' defaults (every ask has one, or is
// optional: a load error otherwise).
func (cp *callPath) cannotAsk(log callLog, rec *audit.Record, t *toolEntry, args map[string]any) (map[string]any, *mcp.CallToolResult) {
	if c := t.decl.Confirm; c != nil && c.OnNoElicitation == cfg.OnNoElicitationRun {
		log.Info().Msg("ran without asking: the client cannot ask its user (on_no_elicitation = run)")
		rec.Reason = "unconfirmed: the client cannot ask its user"
		return cp.withAnswers(log, rec, t, args, nil)
	}
	log.Info().Msg("cannot ask: the client cannot ask its user")
	rec.Outcome, rec.ErrorClass, rec.Reason = audit.Denied, "confirmation", "the client cannot ask its user"
	need := "the user's confirmation"
	if t.decl.Confirm == nil {
		need = "values from the user"
	}
	return nil, errorResult(fmt.Sprintf("Not done: %s needs %s, and this client cannot ask for it "+
		"(it did not declare the elicitation capability, or the connection has no session to answer on). Nothing was run. "+
		"Use a client that supports elicitation.", t.decl.Name, need))
}

// withAnswers validates the user's answers (content of an accepted form;
// nil: none, so defaults) against the asks and adds them to args.
func (cp *callPath) withAnswers(log callLog, rec *audit.Record, t *toolEntry, args map[string]any, content any) (map[string]any, *mcp.CallToolResult) {
	if len(t.decl.Asks) == 0 {
		return args, nil
	}
	raw, err := json.Marshal(content)
	if err != nil || content == nil {
		raw = []byte("{}")
	}
	answers, err := t.asks.Validate(raw)
	if err != nil {
		log.Info().Err(err).Msg("the user's answers are not valid")
		rec.Outcome, rec.ErrorClass = audit.Invalid, "answers"
		problems := err.Error()
		var ae *ArgumentError
		if errors.As(err, &ae) {
			problems = strings.Join(ae.Problems, "; ")
		}
		return nil, errorResult(fmt.Sprintf("Not done: the user's answers are not valid (%s). Nothing was run.", problems))
	}
	rec.Answers = make(map[string]any, len(answers))
	all := make(map[string]any, len(args)+len(answers))
	for k, v := range args {
		all[k] = v
	}
	for _, a := range t.decl.Asks {
		v := answers[a.Name]
		all[a.Name] = v
		if a.Sensitive && v != nil {
			v = redacted
		}
		rec.Answers[a.Name] = v
	}
	return all, nil
}

// answered acts on the user's answer.
func (cp *callPath) answered(log callLog, rec *audit.Record, t *toolEntry, args map[string]any, res *mcp.ElicitationResult) (map[string]any, *mcp.CallToolResult) {
	switch res.Action {
	case mcp.ElicitationResponseActionAccept:
		if t.decl.Confirm != nil {
			rec.Reason = "confirmed by the user"
		}
		return cp.withAnswers(log, rec, t, args, res.Content)
	case mcp.ElicitationResponseActionDecline:
		log.Info().Msg("the user declined")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Declined, "confirmation", "the user declined"
		return nil, errorResult(fmt.Sprintf("Not done: the user declined to %s. Nothing was run. Do not retry unless the user asks again.", confirmVerb(t)))
	case mcp.ElicitationResponseActionCancel:
		log.Info().Msg("the user dismissed the confirmation")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Declined, "confirmation", "the user cancelled"
		return nil, errorResult(fmt.Sprintf("Not done: the user dismissed the question to %s without answering. Nothing was run.", confirmVerb(t)))
	}
	log.Warn().Str("action", string(res.Action)).Msg("unknown elicitation action")
	rec.Outcome, rec.ErrorClass, rec.Reason = audit.Error, "confirmation", "the client answered with an unknown action"
	return nil, errorResult("Not done: the client's answer was not accept, decline or cancel. Nothing was run.")
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

// AsksUser is what a tool asks its user, as the Surface shows it: the
// confirmation (if any) and the form of its asks.
type AsksUser struct {
	Confirm         string         `json:"confirm,omitempty"` // the message as written
	Form            map[string]any `json:"form"`              // the elicitation schema
	OnNoElicitation string         `json:"on_no_elicitation"`
	Timeout         string         `json:"timeout"`
}

func (t *toolEntry) asksUser() *AsksUser {
	if t.asks == nil {
		return nil
	}
	a := &AsksUser{Form: t.askSchema, OnNoElicitation: cfg.OnNoElicitationDeny, Timeout: t.askTimeout().String()}
	if c := t.decl.Confirm; c != nil {
		a.Confirm, a.OnNoElicitation = c.Message, c.OnNoElicitation
	}
	return a
}

// compileAsks prepares what t asks its user: the asks' validation and the
// elicitation form. A tool that asks nothing keeps asks nil.
func (t *toolEntry) compileAsks() hcl.Diagnostics {
	d := t.decl
	if d.Confirm == nil && len(d.Asks) == 0 {
		return nil
	}
	params := make([]*cfg.Param, len(d.Asks))
	props := make(map[string]any, len(d.Asks))
	var required []string
	for i, a := range d.Asks {
		params[i] = a.Param
		props[a.Name] = askProperty(a)
		if a.Required {
			required = append(required, a.Name)
		}
	}
	asks, diags := NewParams(&cfg.Tool{Params: params})
	t.asks = asks
	t.askSchema = map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		t.askSchema["required"] = required
	}
	return diags
}

// askProperty is one field of the form, in the 2025-11-25 elicitation
// schema: a string (with format), a number, a boolean, a single select
// (enum, or oneOf with titles) or a multi-select (an array of them).
// A pattern is checked by the server only: the schema has no place for it.
func askProperty(a *cfg.Ask) map[string]any {
	p := map[string]any{}
	set := func(k string, v any, ok bool) {
		if ok {
			p[k] = v
		}
	}
	set("title", a.Title, a.Title != "")
	set("description", a.Description, a.Description != "")
	set("default", a.Default, a.Default != nil)
	bound := func(k string, v any) {
		switch v := v.(type) {
		case *int:
			if v != nil {
				p[k] = *v
			}
		case *float64:
			if v != nil {
				p[k] = *v
			}
		}
	}
	choices := func() map[string]any {
		if len(a.Titles) != len(a.Enum) { // none (a load error otherwise)
			return map[string]any{"enum": a.Enum}
		}
		if a.LegacyTitles {
			return map[string]any{"enum": a.Enum, "enumNames": a.Titles}
		}
		key := "oneOf"
		if a.Type == cfg.TypeArray {
			key = "anyOf"
		}
		opts := make([]map[string]any, len(a.Enum))
		for i, v := range a.Enum {
			opts[i] = map[string]any{"const": v, "title": a.Titles[i]}
		}
		return map[string]any{key: opts}
	}
	p["type"] = string(a.Type)
	switch a.Type {
	case cfg.TypeString:
		bound("minLength", a.MinLength)
		bound("maxLength", a.MaxLength)
		set("format", a.Format, a.Format != "")
		if a.Enum != nil {
			for k, v := range choices() {
				p[k] = v
			}
		}
	case cfg.TypeInteger, cfg.TypeNumber:
		bound("minimum", a.Minimum)
		bound("maximum", a.Maximum)
	case cfg.TypeArray:
		bound("minItems", a.MinItems)
		bound("maxItems", a.MaxItems)
		items := choices()
		if items["enum"] != nil {
			items["type"] = "string"
		}
		p["items"] = items
	}
	return p
}
