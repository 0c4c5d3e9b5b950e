package lint

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mcpgen/mcpgen/runtime"
)

// Hygiene: what a reviewer and a model need to read a tool, and secrets
// kept out of the files.
var hygieneRules = []*Rule{
	{
		ID:       "hygiene/param-description",
		Severity: Warning,
		Summary:  "A param or prompt argument without a description",
		Why: "The model fills in arguments from their names and descriptions alone: without one it guesses the " +
			"format and meaning, and calls fail or do the wrong thing.",
		Fix:   "Add description = \"...\": what the value is, its format, and an example.",
		check: checkParamDescriptions,
	},
	{
		ID:       "hygiene/todo-description",
		Severity: Warning,
		Summary:  "A tool or param description that still says TODO",
		Why: "A description is all the model knows of a tool and its arguments. A TODO left by mcpgen init or by a " +
			"person is a placeholder: the model reads it as it is, and picks tools and values by guesswork.",
		Fix:   "Replace the TODO with what the tool returns and when to use it, or what the value is, with an example.",
		check: checkTODODescriptions,
	},
	{
		ID:       "hygiene/secret-literal",
		Severity: Error,
		Summary:  "A secret written in clear in the configuration",
		Why: "Configuration files are committed, reviewed, copied and shown in diffs. A DSN password, a bearer token " +
			"in a header, or a key in a well-known format (AWS, GitHub, Slack, Stripe, OpenAI, Google, a JWT, a " +
			"private key) written as a literal leaks with them.",
		Fix:   "Read it with env(\"NAME\") or file(\"path\") instead, e.g. Authorization = \"Bearer ${env(\"API_TOKEN\")}\".",
		check: checkSecretLiterals,
	},
	{
		ID:       "hygiene/credential-default",
		Severity: Warning,
		Summary:  "An env() default that looks like a real credential",
		Why: "env(\"NAME\", \"default\") uses the default whenever the variable is unset, silently: a real token or " +
			"password there is a secret in clear, and a deployment that forgot the variable runs with it. Defaults " +
			"that say what they are (demo, example, test, changeme, local...) and DSNs of loopback databases are allowed.",
		Fix:   "Drop the default (env(\"NAME\") fails when unset), or use an obvious placeholder such as \"demo-token\".",
		check: checkCredentialDefaults,
	},
}

func checkParamDescriptions(in *Input, r *reporter) {
	for _, t := range in.Surface.Tools {
		b := in.block(t.Declared)
		props := inputProperties(t.Tool)
		for _, name := range sortedKeys(props) {
			if d, _ := props[name]["description"].(string); strings.TrimSpace(d) != "" {
				continue
			}
			w := labelWhere(child(b, "param", name))
			if !w.ok() {
				w = labelWhere(b)
			}
			r.add(in.at(w.rng), w.anchor, "", "param %q of tool %q has no description: the model must guess what to send", name, t.Tool.Name)
		}
	}
	for _, p := range in.Surface.Prompts {
		b := in.block(p.Declared)
		for _, a := range p.Prompt.Arguments {
			if strings.TrimSpace(a.Description) != "" {
				continue
			}
			w := labelWhere(child(b, "argument", a.Name))
			if !w.ok() {
				w = labelWhere(b)
			}
			r.add(in.at(w.rng), w.anchor, "", "argument %q of prompt %q has no description: the model must guess what to send", a.Name, p.Prompt.Name)
		}
	}
}

var todoRe = &lazyRegexp{pattern: `\bTODO\b`}

func checkTODODescriptions(in *Input, r *reporter) {
	for _, t := range in.Surface.Tools {
		b := in.block(t.Declared)
		if todoRe.MatchString(t.Tool.Description) {
			w := attrWhere(b, "description")
			r.add(in.at(w.rng), w.anchor, "", "the description of tool %q still says TODO", t.Tool.Name)
		}
		props := inputProperties(t.Tool)
		for _, name := range sortedKeys(props) {
			if d, _ := props[name]["description"].(string); todoRe.MatchString(d) {
				p := child(b, "param", name)
				w := attrWhere(p, "description")
				if !w.ok() {
					w = labelWhere(b)
				}
				r.add(in.at(w.rng), w.anchor, "", "the description of param %q of tool %q still says TODO", name, t.Tool.Name)
			}
		}
	}
}

// credContext says what a string is, for the secret rules.
type credContext int

const (
	credNone   credContext = iota
	credDSN                // a source's dsn
	credHeader             // an HTTP header whose name says it carries a credential
	credAttr               // an attribute named like a secret (password, token...)
)

var (
	credHeaderRe = &lazyRegexp{pattern: `(?i)^(authorization|proxy-authorization|cookie)$|token|secret|passw|api[-_]?key|auth`}
	credAttrRe   = &lazyRegexp{pattern: `(?i)^(password|passwd|secret|token|api_?key|client_secret|private_key|access_key|secret_key)$`}
	schemeRe     = &lazyRegexp{pattern: `(?i)^\s*(bearer|basic|token|apikey|api-key|digest)\s+`}
	celStringRe  = &lazyRegexp{pattern: `^\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*$`}

	// knownTokens are credential formats that are never anything else.
	knownTokens = &lazyRegexp{pattern: `\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,}|\bgithub_pat_[A-Za-z0-9_]{22,}|` +
		`\bxox[abposr]-[A-Za-z0-9-]{10,}|\b[sr]k_live_[A-Za-z0-9]{16,}|\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|` +
		`\bAIza[0-9A-Za-z_-]{35}|\bglpat-[A-Za-z0-9_-]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|` +
		`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`}

	// placeholderRe marks a default that says it is not real.
	placeholderRe = &lazyRegexp{pattern: `(?i)demo|example|sample|test|dummy|placeholder|change.?me|replace|your|xxx|fake|todo|local|insecure|<|\$\{`}

	dsnURLPassword = &lazyRegexp{pattern: `^[A-Za-z][A-Za-z0-9+.-]*://[^:/@]*:([^@]*)@`}
	dsnKVPassword  = &lazyRegexp{pattern: `(?i)(?:^|[\s;&?])(?:password|pwd)\s*=\s*('[^']*'|[^\s;&]+)`}
	dsnKVHost      = &lazyRegexp{pattern: `(?i)(?:^|\s)host\s*=\s*(\S+)`}
)

// dsnPassword finds the password of a DSN, in URL (user:pass@) or
// key=value (password=...) form; "" when there is none.
func dsnPassword(dsn string) string {
	if m := dsnURLPassword.FindStringSubmatch(dsn); m != nil {
		return m[1]
	}
	if m := dsnKVPassword.FindStringSubmatch(dsn); m != nil {
		return strings.Trim(m[1], "'")
	}
	return ""
}

// loopbackDSN reports whether a DSN names a database on this machine.
func loopbackDSN(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.Host != "" {
		return runtime.IsLoopbackAddr(u.Host)
	}
	if m := dsnKVHost.FindStringSubmatch(dsn); m != nil {
		return runtime.IsLoopbackAddr(m[1]) || strings.HasPrefix(m[1], "/")
	}
	return true // no host: a local socket, or SQLite
}

// stringExpr is one string-valued expression found in the files, with
// what it is and where.
type stringExpr struct {
	expr   hclsyntax.Expression
	ctx    credContext
	anchor int
	cel    bool // a CEL expression (an HTTP tool's headers): its literal is quoted inside
}

// envDefault is one env("NAME", "default") call.
type envDefault struct {
	name, value string
	rng         hcl.Range
	ctx         credContext
	anchor      int
}

// strings lists every string expression and env() default in the files,
// outside env() and file() calls.
func (in *Input) stringExprs() ([]stringExpr, []envDefault) {
	var exprs []stringExpr
	var envs []envDefault
	var walk func(e hclsyntax.Expression, ctx credContext, anchor int)
	walk = func(e hclsyntax.Expression, ctx credContext, anchor int) {
		switch x := e.(type) {
		case *hclsyntax.ObjectConsExpr:
			for _, item := range x.Items {
				key := objectKey(item.KeyExpr)
				sub := ctx
				if sub == credNone && credHeaderRe.MatchString(key) {
					sub = credHeader
				}
				walk(item.ValueExpr, sub, anchor)
			}
		case *hclsyntax.TupleConsExpr:
			for _, v := range x.Exprs {
				walk(v, ctx, anchor)
			}
		case *hclsyntax.FunctionCallExpr:
			if x.Name == "env" && len(x.Args) == 2 {
				if v, ok := literalString(x.Args[1]); ok {
					name, _ := literalString(x.Args[0])
					envs = append(envs, envDefault{name: name, value: v, rng: x.Args[1].Range(), ctx: ctx, anchor: anchor})
				}
			}
		case *hclsyntax.TemplateExpr:
			exprs = append(exprs, stringExpr{expr: x, ctx: ctx, anchor: anchor})
			for _, p := range x.Parts {
				if _, ok := p.(*hclsyntax.LiteralValueExpr); !ok {
					walk(p, ctx, anchor)
				}
			}
		case *hclsyntax.TemplateWrapExpr:
			walk(x.Wrapped, ctx, anchor)
		case *hclsyntax.LiteralValueExpr:
			if x.Val.Type() == cty.String {
				exprs = append(exprs, stringExpr{expr: x, ctx: ctx, anchor: anchor})
			}
		}
	}
	var blocks func(body *hclsyntax.Body, path []*hclsyntax.Block)
	blocks = func(body *hclsyntax.Body, path []*hclsyntax.Block) {
		for _, name := range sortedKeys(body.Attributes) {
			a := body.Attributes[name]
			ctx := credNone
			var parent, top *hclsyntax.Block
			if len(path) > 0 {
				parent, top = path[len(path)-1], path[0]
			}
			switch {
			case name == "dsn" && parent != nil && parent.Type == "source":
				ctx = credDSN
			case parent != nil && parent.Type == "headers" && top.Type == "tool" && credHeaderRe.MatchString(name):
				// An HTTP tool's header: CEL, so its literal is quoted.
				if ex, ok := a.Expr.(*hclsyntax.TemplateExpr); ok {
					exprs = append(exprs, stringExpr{expr: ex, ctx: credHeader, anchor: a.SrcRange.Start.Line, cel: true})
				}
				continue
			case credAttrRe.MatchString(name):
				ctx = credAttr
			}
			walk(a.Expr, ctx, a.SrcRange.Start.Line)
		}
		for _, b := range body.Blocks {
			blocks(b.Body, append(path, b))
		}
	}
	for _, name := range sortedKeys(in.files) {
		if f := in.files[name]; f.body != nil {
			blocks(f.body, nil)
		}
	}
	return exprs, envs
}

func objectKey(e hclsyntax.Expression) string {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		if kw := hcl.ExprAsKeyword(k.Wrapped); kw != "" {
			return kw
		}
		e = k.Wrapped
	}
	s, _ := literalString(e)
	return s
}

// literalString is the value of a string written without interpolation.
func literalString(e hclsyntax.Expression) (string, bool) {
	switch x := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		if x.Val.Type() == cty.String {
			return x.Val.AsString(), true
		}
	case *hclsyntax.TemplateExpr:
		var b strings.Builder
		for _, p := range x.Parts {
			lit, ok := p.(*hclsyntax.LiteralValueExpr)
			if !ok || lit.Val.Type() != cty.String {
				return "", false
			}
			b.WriteString(lit.Val.AsString())
		}
		return b.String(), true
	}
	return "", false
}

// literalText is a string expression's text with each part that is not
// literal (env(), file(), a reference) as \x00, and its literal parts.
func literalText(e hclsyntax.Expression) (string, []*hclsyntax.LiteralValueExpr) {
	switch x := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		if x.Val.Type() == cty.String {
			return x.Val.AsString(), []*hclsyntax.LiteralValueExpr{x}
		}
	case *hclsyntax.TemplateExpr:
		var b strings.Builder
		var lits []*hclsyntax.LiteralValueExpr
		for _, p := range x.Parts {
			if lit, ok := p.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String {
				b.WriteString(lit.Val.AsString())
				lits = append(lits, lit)
			} else {
				b.WriteByte(0)
			}
		}
		return b.String(), lits
	}
	return "\x00", nil
}

// literal reports whether s has literal characters besides \x00 marks
// and blanks.
func literal(s string) bool { return strings.TrimSpace(strings.ReplaceAll(s, "\x00", "")) != "" }

func checkSecretLiterals(in *Input, r *reporter) {
	exprs, _ := in.stringExprs()
	for _, s := range exprs {
		text, lits := literalText(s.expr)
		at := func(needle string) Position { return in.find(s.expr.Range(), needle) }
		for _, lit := range lits {
			if m := knownTokens.FindString(lit.Val.AsString()); m != "" {
				r.add(in.find(lit.SrcRange, m), s.anchor, "", "a credential (%s) is written in clear", redactToken(m))
			}
		}
		switch s.ctx {
		case credDSN:
			if pw := dsnPassword(text); pw != "" && !strings.Contains(pw, "\x00") {
				r.add(at(pw), s.anchor, "Keep the password out of the file: dsn = env(\"DB_DSN\"), or a password read with env() inside it.",
					"the dsn holds a password in clear")
			}
		case credHeader:
			value := text
			if s.cel {
				m := celStringRe.FindStringSubmatch(text)
				if m == nil {
					continue // computed per request, from args or binds
				}
				value = m[1] + m[2]
			}
			if v := schemeRe.ReplaceAllString(value, ""); literal(v) && !strings.Contains(v, "\x00") {
				r.add(at(strings.TrimSpace(v)), s.anchor, "", "a header that carries a credential has its value written in clear")
			}
		case credAttr:
			if literal(text) && !strings.Contains(text, "\x00") {
				r.add(at(text), s.anchor, "", "an attribute that holds a credential has its value written in clear")
			}
		}
	}
}

// redactToken shows the start of a credential, enough to find it.
func redactToken(s string) string {
	if len(s) <= 8 {
		return s
	}
	return s[:6] + "..."
}

func checkCredentialDefaults(in *Input, r *reporter) {
	_, envs := in.stringExprs()
	for _, e := range envs {
		pos := in.at(e.rng)
		name := fmt.Sprintf("env(%q)", e.name)
		if m := knownTokens.FindString(e.value); m != "" {
			r.add(pos, e.anchor, "", "the default of %s is a credential (%s)", name, redactToken(m))
			continue
		}
		switch e.ctx {
		case credDSN:
			if pw := dsnPassword(e.value); pw != "" && !placeholderRe.MatchString(pw) && !loopbackDSN(e.value) {
				r.add(pos, e.anchor, "", "the default of %s is a DSN with a password for a database beyond this machine", name)
			}
		case credHeader, credAttr:
			if v := strings.TrimSpace(schemeRe.ReplaceAllString(e.value, "")); len(v) >= 8 && !placeholderRe.MatchString(v) {
				r.add(pos, e.anchor, "", "the default of %s looks like a real credential, used whenever the variable is unset", name)
			}
		}
	}
}
