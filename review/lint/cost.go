package lint

import (
	"net/url"
	"strings"

	"github.com/mcpgen/mcpgen/runtime"
)

// Result and cost smells: what a call returns, how long it may run, how
// often it may be called.
var costRules = []*Rule{
	{
		ID:       "cost/select-star",
		Severity: Warning,
		Summary:  "SELECT * (or alias.*, RETURNING *) in a statement",
		Why: "The columns a tool returns are part of what clients see. With * they change whenever the table does: " +
			"a new column (a password hash, an internal note) reaches every client unreviewed, and the output schema " +
			"a reviewer approved no longer says what is sent.",
		Fix:   "Name the columns the tool returns.",
		check: checkSelectStar,
	},
	{
		ID:       "cost/unbounded-read",
		Severity: Warning,
		Summary:  "A read tool or resource that returns rows without result { max_rows = N }",
		Why: "Without max_rows a read returns up to the default of 100 rows, whatever the tool needs: every row " +
			"costs the model context. An explicit cap says how much the tool is meant to return. (result { one = true } " +
			"returns one row and needs none; completions are capped at 100 values by the protocol.)",
		Fix:   "Add result { max_rows = N } with the number of rows the tool is meant to return.",
		check: checkUnboundedRead,
	},
	{
		ID:       "cost/http-no-timeout",
		Severity: Info,
		Summary:  "An HTTP tool without a timeout of its own",
		Why: "Without timeout a call to the upstream may take the default 30 seconds, retries included, holding a " +
			"client and a connection; a tool's own timeout says how long its upstream is allowed.",
		Fix:   "Set timeout on the tool, e.g. timeout = \"5s\".",
		check: checkHTTPTimeout,
	},
	{
		ID:       "cost/unlimited-write",
		Severity: Warning,
		Summary:  "A write tool without a rate limit on a server that listens beyond loopback",
		Why: "A model in a loop, or a stolen token, can call a write tool as fast as the server answers. Exposure is " +
			"taken from --listen, else from the auth block's resource URL; without either the server is assumed " +
			"to listen on loopback.",
		Fix:   "Add rate_limit { rate = \"10/m\" } to the tool, or a default in the limits block.",
		check: checkUnlimitedWrite,
	},
}

func checkSelectStar(in *Input, r *reporter) {
	for _, q := range in.queries() {
		stmt := q.statement()
		if stmt == "" {
			continue
		}
		info := analyzeSQL(stmt)
		if info.star == "" {
			continue
		}
		w := attrWhere(q.block, "sql")
		r.add(in.find(w.rng, info.star), w.anchor, "",
			"%s runs %q: the columns it returns change whenever the table does", q, info.star)
	}
}

func checkUnboundedRead(in *Input, r *reporter) {
	for _, q := range in.queries() {
		if q.kind == "completion" || !q.x.ReadOnly || q.statement() == "" {
			continue
		}
		if q.x.Executes["result"] == "one" || q.x.Executes["max_rows"] != "" {
			continue
		}
		w := blockWhere(child(q.block, "result", ""))
		if !w.ok() {
			w = attrWhere(q.block, "sql")
		}
		r.add(in.at(w.rng), w.anchor, "", "%s returns rows without max_rows: up to 100 per call, whatever it needs", q)
	}
}

func checkHTTPTimeout(in *Input, r *reporter) {
	for _, q := range in.queries() {
		if q.x.Executes["method"] == "" || attr(q.block, "timeout") != nil {
			continue
		}
		w := labelWhere(q.block)
		r.add(in.at(w.rng), w.anchor, "", "%s calls an HTTP upstream with no timeout of its own: a call may take %s", q, q.x.Limits.Timeout)
	}
}

// beyondLoopback reports whether the server will take HTTP requests from
// other machines, and why lint thinks so.
func (in *Input) beyondLoopback() (bool, string) {
	if in.opts.Listen != "" {
		return !runtime.IsLoopbackAddr(in.opts.Listen), "--listen " + in.opts.Listen
	}
	if res := in.Surface.Server.Auth.Resource; res != "" {
		if u, err := url.Parse(res); err == nil && u.Host != "" {
			return !runtime.IsLoopbackAddr(u.Host), "the auth block's resource " + res
		}
	}
	return false, ""
}

func checkUnlimitedWrite(in *Input, r *reporter) {
	beyond, why := in.beyondLoopback()
	if !beyond {
		return
	}
	for _, q := range in.queries() {
		if q.kind != "tool" || q.x.ReadOnly || q.x.Limits.RateLimit != nil {
			continue
		}
		w := labelWhere(q.block)
		r.add(in.at(w.rng), w.anchor, "",
			"%s writes and has no rate limit, and the server listens beyond loopback (%s)", q, strings.TrimSpace(why))
	}
}
