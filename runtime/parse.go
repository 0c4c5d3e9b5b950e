package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpgen/mcpgen/runtime/audit"
)

// Requests that do not parse. mcp-go answers a message that is not JSON
// with a clean -32700, but one whose params do not decode into its types
// (a number beyond float64 such as 1e400, a name that is not a string)
// with -32600 and the decoder's error, which names Go types and struct
// fields; and neither leaves an audit record. An Answers, which the
// transport puts in the request's context and passes every answer
// through, fixes both: the OnError hook (requestFailed) audits the
// request and leaves a clean answer there, and the transport's answer is
// swapped for it on the way out.

// Answers sees the answers to one HTTP request, or to every request of a
// stdio session, on their way to the client.
type Answers struct {
	s         *Server
	transport string
	remote    string // HTTP: the client's address
	pending   atomic.Int32
	mu        sync.Mutex
	byID      map[string][]byte // clean answers, by the request's id as JSON
}

// maxPendingAnswers bounds the clean answers a stdio session keeps for
// answers not yet written (each is written a moment after it is kept).
const maxPendingAnswers = 64

// NewAnswers returns the answer filter of one HTTP request (remote is the
// client's address) or of a stdio session (remote "").
func (s *Server) NewAnswers(transport, remote string) *Answers {
	a := &Answers{}
	s.InitAnswers(a, transport, remote)
	return a
}

// InitAnswers makes a, a zero Answers inside a value of the transport's
// that lives as long as the request, what NewAnswers would return: the
// HTTP transport keeps one in each request's exchange, saving an
// allocation per request.
func (s *Server) InitAnswers(a *Answers, transport, remote string) {
	a.s, a.transport, a.remote = s, transport, remote
}

type answersKey struct{}

// WithAnswers attaches a to ctx, where the server's hook finds it.
func WithAnswers(ctx context.Context, a *Answers) context.Context {
	return context.WithValue(ctx, answersKey{}, a)
}

func answersFrom(ctx context.Context) *Answers {
	a, _ := ctx.Value(answersKey{}).(*Answers)
	return a
}

// Filter returns the answer to write instead of msg, a JSON-RPC message
// as mcp-go writes it (a JSON line, or a server-sent event): msg itself
// unless it answers a request whose params did not decode. It costs one
// atomic load unless such a request is waiting for its answer.
func (a *Answers) Filter(msg []byte) []byte {
	if a.pending.Load() == 0 {
		return msg
	}
	start, end := jsonSpan(msg)
	var m struct {
		ID    json.RawMessage `json:"id"`
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(msg[start:end], &m) != nil || m.Error == nil {
		return msg
	}
	a.mu.Lock()
	clean, ok := a.byID[string(m.ID)]
	if ok {
		delete(a.byID, string(m.ID))
		a.pending.Add(-1)
	}
	a.mu.Unlock()
	if !ok {
		return msg
	}
	out := make([]byte, 0, len(msg)-(end-start)+len(clean))
	out = append(append(append(out, msg[:start]...), clean...), msg[end:]...)
	return out
}

// NotJSON audits a message that was not JSON at all (mcp-go answered it
// with -32700).
func (a *Answers) NotJSON(ctx context.Context) {
	a.s.auditUnparsed(ctx, a, "", "Parse error: the message is not valid JSON")
}

// IsParseError reports whether msg, an answer as mcp-go writes it, is the
// -32700 of a message that was not JSON.
func IsParseError(msg []byte) bool {
	start, end := jsonSpan(msg)
	var m struct {
		Error *struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	return json.Unmarshal(msg[start:end], &m) == nil && m.Error != nil && m.Error.Code == mcp.PARSE_ERROR
}

// jsonSpan finds the JSON of an answer: all of it, or the data of a
// server-sent event.
func jsonSpan(msg []byte) (start, end int) {
	if t := bytes.TrimLeft(msg, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return len(msg) - len(t), len(bytes.TrimRight(msg, " \t\r\n"))
	}
	i := bytes.Index(msg, []byte("data: "))
	if i < 0 {
		return 0, len(msg)
	}
	start, end = i+len("data: "), len(msg)
	if j := bytes.IndexByte(msg[start:], '\n'); j >= 0 {
		end = start + j
	}
	return start, end
}

// requestFailed is the server's OnError hook: for a request whose params
// did not decode, it writes the audit record and leaves the clean answer
// for the transport.
func (s *Server) requestFailed(ctx context.Context, id any, method mcp.MCPMethod, _ any, err error) {
	var pe *server.UnparsableMessageError
	if !errors.As(err, &pe) {
		return
	}
	problem := "Invalid params: " + paramsProblem(pe.Unwrap())
	tool := ""
	if method == mcp.MethodToolsCall {
		var m struct {
			Params struct {
				Name json.RawMessage `json:"name"`
			} `json:"params"`
		}
		if json.Unmarshal(pe.GetMessage(), &m) == nil {
			_ = json.Unmarshal(m.Params.Name, &tool) // a name that is not a string stays ""
		}
	}
	a := answersFrom(ctx)
	s.auditUnparsed(ctx, a, tool, fmt.Sprintf("%s: %s", method, problem))
	if a == nil {
		return
	}
	key, kerr := json.Marshal(id)
	clean, aerr := json.Marshal(mcp.NewJSONRPCError(mcp.NewRequestId(id), mcp.INVALID_PARAMS, problem, nil))
	if kerr != nil || aerr != nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byID == nil {
		a.byID = map[string][]byte{}
	}
	if _, dup := a.byID[string(key)]; !dup && len(a.byID) < maxPendingAnswers {
		a.byID[string(key)] = clean
		a.pending.Add(1)
	}
}

// auditUnparsed writes the record of a request that did not parse; over
// HTTP it counts as a refusal from the client's address.
func (s *Server) auditUnparsed(ctx context.Context, a *Answers, tool, reason string) {
	transport := transportFrom(ctx)
	if a != nil {
		transport = a.transport
	}
	if transport == "stdio" {
		ctx = WithPrincipal(ctx, s.Generation().stdio)
	}
	rec := &audit.Record{
		RequestID:  newRequestID(),
		SessionID:  sessionID(ctx),
		Transport:  transport,
		Subject:    PrincipalFrom(ctx).Subject,
		Tool:       tool,
		Outcome:    audit.Invalid,
		ErrorClass: "parse",
		Reason:     reason,
	}
	if a != nil && a.remote != "" {
		rec.Remote = a.remote
		s.audit.Refused(rec)
		return
	}
	s.audit.Write(rec)
}

// paramsProblem says in JSON's words why params did not decode.
func paramsProblem(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return "the params do not have the shape the method expects"
	}
	if lit, ok := strings.CutPrefix(te.Value, "number "); ok && jsonKind(te.Type) == "a number" {
		if len(lit) > 40 {
			lit = lit[:40] + "…"
		}
		return fmt.Sprintf("the number %s is out of range: numbers must fit a 64-bit floating point value", lit)
	}
	where := te.Field
	// Embedded structs add their Go names (PaginatedRequest.params.cursor).
	for first, rest, ok := strings.Cut(where, "."); ok && first != "" && first[0] >= 'A' && first[0] <= 'Z'; first, rest, ok = strings.Cut(where, ".") {
		where = rest
	}
	if where == "" {
		where = "a value"
	} else if len(where) > 80 {
		where = where[:80] + "…"
	}
	return fmt.Sprintf("%s must be %s, not %s", where, jsonKind(te.Type), jsonArticle(te.Value))
}

// jsonKind names a Go type by the JSON that decodes into it.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "another type"
}

// jsonArticle reads a decoder's JSON kind ("string", "number", "object"...).
func jsonArticle(kind string) string {
	switch kind {
	case "object", "array":
		return "an " + kind
	case "bool":
		return "a boolean"
	case "string", "number":
		return "a " + kind
	}
	return "that"
}
