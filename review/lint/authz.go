package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mcpgen/mcpgen/runtime/guard"
)

// Authorization smells: who may call what, read from each tool's access
// rule (guard, binds) as the Surface states it.
var authzRules = []*Rule{
	{
		ID:       "authz/open-write",
		Severity: Error,
		Summary:  "A tool that writes and lets every caller in",
		Why: "A tool with read_only = false changes data. With no auth block and no guard it is open to anyone " +
			"who reaches the server; with guard = \"true\" to anyone with any credential, a read-only reporting key included.",
		Fix:   "Guard it on a write scope or role, e.g. guard = \"'orders.write' in principal.scopes\".",
		check: checkOpenWrite,
	},
	{
		ID:       "authz/weak-write-guard",
		Severity: Warning,
		Summary:  "A write tool whose guard is no stricter than a read tool's on the same source",
		Why: "When every caller allowed to read a source may also write to it, read access is write access: a " +
			"read-only token, API key or agent can change data. Detected when the guards are the same, or when the " +
			"write guard's conditions (e.g. the scopes it requires) are all among the read guard's.",
		Fix:   "Require something for writing that readers do not have: a write scope, a role claim.",
		check: checkWeakWriteGuard,
	},
	{
		ID:       "authz/write-not-destructive",
		Severity: Warning,
		Summary:  "A write tool marked destructive = false whose statement or method can change or delete data",
		Why: "Clients ask the user to confirm destructive tools (the destructiveHint annotation). destructive = false " +
			"is a promise that the tool only adds; an UPDATE, DELETE, upsert, PUT, PATCH or DELETE request breaks it " +
			"and skips that confirmation.",
		Fix:   "Remove destructive = false (a write tool is destructive by default), or make the statement only insert.",
		check: checkNotDestructive,
	},
	{
		ID:       "authz/args-only-guard",
		Severity: Error,
		Summary:  "A guard that decides on arguments alone, never on who is calling",
		Why: "Arguments come from the client (the model): a guard that reads args and not principal lets every " +
			"caller in who sends the right value.",
		Fix:   "Decide on the caller (principal.scopes, principal.claims); check arguments in addition, not instead.",
		check: checkArgsOnlyGuard,
	},
	{
		ID:       "authz/missing-tenant-bind",
		Severity: Error,
		Summary:  "A query on a table other tools filter by a tenant claim, without that filter",
		Why: "When tools bind a claim from the caller's identity (bind \"org\" { from = \"principal.claims.org\" }) to " +
			"filter a table, that table holds several tenants' rows. A tool on the same source and table without the " +
			"bind returns or changes every tenant's rows.",
		Fix:   "Bind the same claim and filter the table by it (AND o.org = :org).",
		check: checkTenantBinds,
	},
}

func (in *Input) guardShape(q query) *guard.Shape {
	if q.x.Access.Guard == "" {
		return nil
	}
	return in.shape(q.x.Access.Guard)
}

func isTrue(s *guard.Shape) bool { return s != nil && s.Constant != nil && *s.Constant }

func checkOpenWrite(in *Input, r *reporter) {
	for _, q := range in.queries() {
		if q.kind != "tool" || q.x.ReadOnly {
			continue
		}
		switch a := q.x.Access; {
		case a.Rule == "open":
			w := labelWhere(q.block)
			r.add(in.at(w.rng), w.anchor, "Add an auth block and a guard that requires a write scope or role.",
				"%s writes, and with no auth block and no guard every caller may call it", q)
		case (a.Rule == "guard" || a.Rule == "server_guard") && isTrue(in.guardShape(q)):
			w := in.guardWhere(q)
			from := "its guard"
			if a.Rule == "server_guard" {
				from = "the server's default guard"
			}
			r.add(in.at(w.rng), w.anchor, "", "%s writes, and %s is true: every authenticated caller may call it", q, from)
		}
	}
}

func checkWeakWriteGuard(in *Input, r *reporter) {
	qs := in.queries()
	for _, w := range qs {
		if w.kind != "tool" || w.x.ReadOnly || w.x.Access.Guard == "" {
			continue
		}
		ws := in.guardShape(w)
		if ws == nil || isTrue(ws) { // authz/open-write says so
			continue
		}
		for _, rd := range qs {
			if !rd.x.ReadOnly || rd.x.Source != w.x.Source || rd.x.Access.Guard == "" {
				continue
			}
			if rs := in.guardShape(rd); guard.Implies(rs, ws) {
				at := in.guardWhere(w)
				how := "the same as"
				if w.x.Access.Guard != rd.x.Access.Guard {
					how = "implied by"
				}
				r.add(in.at(at.rng), at.anchor, "",
					"%s writes to source %s, but its guard is %s the guard of %s, which only reads it (%s): every reader may write",
					w, w.x.Source, how, rd, rd.x.Access.Guard)
				break
			}
		}
	}
}

// destructiveMethods change or remove what is there; POST is trusted to
// create, as its convention is.
var destructiveMethods = &lazySet{words: "PUT PATCH DELETE"}

func checkNotDestructive(in *Input, r *reporter) {
	for _, q := range in.queries() {
		if q.kind != "tool" || q.x.ReadOnly || q.tool == nil {
			continue
		}
		if h := q.tool.Annotations.DestructiveHint; h == nil || *h {
			continue
		}
		why := ""
		if stmt := q.statement(); stmt != "" {
			if info := analyzeSQL(stmt); info.destructive {
				why = fmt.Sprintf("its statement %s", strings.ToUpper(info.kind))
				if info.kind != "update" && info.kind != "delete" {
					why = "its statement can overwrite or delete rows"
				}
			}
		} else if m := q.x.Executes["method"]; destructiveMethods.has(m) {
			why = "it sends " + m
		}
		if why == "" {
			continue
		}
		w := attrWhere(q.block, "destructive")
		r.add(in.at(w.rng), w.anchor, "",
			"%s is marked destructive = false, but %s: clients will not ask the user to confirm it", q, why)
	}
}

func checkArgsOnlyGuard(in *Input, r *reporter) {
	serverDone := false
	for _, q := range in.queries() {
		s := in.guardShape(q)
		if s == nil || !slices.Contains(s.Vars, "args") || slices.Contains(s.Vars, "principal") {
			continue
		}
		if q.x.Access.Rule == "server_guard" {
			if serverDone {
				continue
			}
			serverDone = true
			w := in.guardWhere(q)
			r.add(in.at(w.rng), w.anchor, "", "the server's default guard reads args but never principal: any caller who sends the right arguments passes it")
			continue
		}
		w := in.guardWhere(q)
		r.add(in.at(w.rng), w.anchor, "", "the guard of %s reads args but never principal: any caller who sends the right arguments passes it", q)
	}
}

// tenantFrom reports whether a bind's value identifies the caller or its
// tenant: it reads principal.claims or principal.sub.
var tenantFrom = &lazyRegexp{pattern: `\bprincipal\s*\.\s*(claims\b|sub\b)|\bprincipal\s*\[\s*['"](claims|sub)['"]`}

func checkTenantBinds(in *Input, r *reporter) {
	type use struct {
		q     query
		info  *sqlInfo
		binds map[string]string // bind name -> its from
	}
	var uses []use
	// tenant[source][table][from] = the first query that filters table by it
	tenant := map[string]map[string]map[string]query{}
	for _, q := range in.queries() {
		stmt := q.statement()
		if stmt == "" {
			continue
		}
		u := use{q: q, info: analyzeSQL(stmt), binds: map[string]string{}}
		for _, b := range q.x.Access.Binds {
			if tenantFrom.MatchString(b.From) {
				u.binds[b.Name] = oneLine(b.From)
			}
		}
		uses = append(uses, u)
		for name, from := range u.binds {
			for _, table := range u.info.constrains[name] {
				if tenant[q.x.Source] == nil {
					tenant[q.x.Source] = map[string]map[string]query{}
				}
				if tenant[q.x.Source][table] == nil {
					tenant[q.x.Source][table] = map[string]query{}
				}
				if _, ok := tenant[q.x.Source][table][from]; !ok {
					tenant[q.x.Source][table][from] = q
				}
			}
		}
	}
	for _, u := range uses {
		for _, table := range u.info.tables {
			froms := tenant[u.q.x.Source][table]
			if len(froms) == 0 {
				continue
			}
			filtered := false
			for name, from := range u.binds {
				if _, ok := froms[from]; !ok {
					continue
				}
				// A bind the statement uses in a shape this reading does
				// not resolve is given the benefit of the doubt.
				if tables, resolved := u.info.constrains[name]; !resolved || slices.Contains(tables, table) {
					filtered = true
				}
			}
			if filtered {
				continue
			}
			keys := sortedKeys(froms)
			example := froms[keys[0]]
			w := attrWhere(u.q.block, "sql")
			pos := in.find(w.rng, table)
			if t := tableToken(u.q.statement(), table); t != "" {
				pos = in.find(w.rng, t)
			}
			r.add(pos, w.anchor, fmt.Sprintf("Bind %s and filter %s by it, as %s does.", keys[0], table, example),
				"%s uses table %s on source %s without filtering it by %s, which %s binds there: it reaches every tenant's rows",
				u.q, table, u.q.x.Source, strings.Join(keys, " or "), example)
		}
	}
}

// tableToken finds how a statement writes a table's name after FROM, JOIN,
// UPDATE or INTO, to point at it.
func tableToken(stmt, table string) string {
	toks := tokenizeSQL(stmt)
	for i := 1; i < len(toks); i++ {
		switch toks[i-1].low {
		case "from", "join", "update", "into":
			if toks[i].low == table {
				return stmt[toks[i-1].off : toks[i].off+len(toks[i].text)]
			}
		}
	}
	return ""
}
