package lint

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/mcpgen/mcpgen/runtime"
)

// Tool poisoning: text a client shows the model (names, titles,
// descriptions, param descriptions, enum values, instructions, prompt
// messages, resource text) that carries instructions, hidden characters or
// look-alike letters.
var poisonRules = []*Rule{
	{
		ID:       "poison/invisible-unicode",
		Severity: Error,
		Summary:  "Invisible or bidirectional-control characters in text a client sees",
		Why: "Zero-width characters, Unicode tag characters (U+E0000..U+E007F) and bidi controls (RLO, LRO, isolates) " +
			"are not shown to the person reviewing a tool but are read by the model: they hide instructions, or make " +
			"text read differently than it displays.",
		Fix:   "Remove the character; write the text in plain, visible characters.",
		check: checkInvisible,
	},
	{
		ID:       "poison/mixed-script",
		Severity: Error,
		Summary:  "Words that mix look-alike letters from different scripts (homoglyphs)",
		Why: "A title or value spelled with a Cyrillic 'а' or a Greek 'ο' among Latin letters looks like another one to a " +
			"person and a client's UI, but not to the model or to string comparison: it impersonates a trusted tool or " +
			"value.",
		Fix:   "Spell the word in one script (retype it in plain ASCII where it is meant to be English).",
		check: checkMixedScript,
	},
	{
		ID:       "poison/model-instruction",
		Severity: Error,
		Summary:  "Instructions aimed at the model rather than a description of the tool",
		Why: "Phrases such as \"ignore previous instructions\", \"do not tell the user\", <IMPORTANT> tags or \"before " +
			"using any other tool\" are the signature of tool poisoning: the model obeys text the user never reads.",
		Fix:   "Describe what the tool does, what it needs and what it returns; remove directives to the model.",
		check: checkInstructions,
	},
	{
		ID:       "poison/foreign-tool",
		Severity: Warning,
		Summary:  "A description that sends the model to a tool this configuration does not declare",
		Why: "Naming another server's tool (\"always call send_email first\") redirects the model across servers, " +
			"which is how a poisoned server shadows or hijacks a trusted one.",
		Fix:   "Refer only to tools, prompts and resources this configuration declares.",
		check: checkForeignTools,
	},
	{
		ID:       "poison/url-or-email",
		Severity: Warning,
		Summary:  "URLs or e-mail addresses in text a client sees",
		Why: "A link or address in a description invites the model to fetch from or send data to it: a common " +
			"exfiltration channel. Reserved example domains (example.com, .example, .test, .invalid, localhost) are allowed.",
		Fix:   "Remove the URL or address, or use a reserved example domain (example.com) for an example.",
		check: checkLinks,
	},
	{
		ID:       "poison/long-description",
		Severity: Warning,
		Summary:  "A description or instructions past the token budget",
		Why: "Every tool description is sent to the model in every conversation: a long one costs tokens on every turn " +
			"and is where hidden instructions go unread by reviewers. The budget is 500 tokens (about 4 characters " +
			"each) unless the lint block sets max_description_tokens.",
		Fix:   "Shorten it to what the model needs to choose and call the tool; move reference material to a resource.",
		check: checkLength,
	},
}

func checkInvisible(in *Input, r *reporter) {
	for _, t := range in.texts() {
		var first rune // the first one, to point at
		var found []rune
		var tags strings.Builder // tag characters mirror ASCII: what they spell
		hasTags := false
		for _, c := range t.value {
			if !invisible(c) {
				continue
			}
			if first == 0 {
				first = c
			}
			switch {
			case c >= 0xE0000 && c <= 0xE007F:
				hasTags = true
				if c >= 0xE0020 && c <= 0xE007E {
					tags.WriteRune(c - 0xE0000)
				}
			case !containsRune(found, c):
				found = append(found, c)
			}
		}
		if first == 0 {
			continue
		}
		var names []string
		for _, c := range found {
			names = append(names, runeName(c))
		}
		if hasTags {
			names = append(names, fmt.Sprintf("Unicode tag characters that spell %q", tags.String()))
		}
		r.add(in.find(t.at.rng, string(first)), t.at.anchor, "",
			"%s holds %s, which a client does not show but the model reads", t.what, strings.Join(names, ", "))
	}
}

// invisible reports characters that render as nothing, or reorder what
// follows: format characters (zero-width, bidi controls, tag characters,
// the BOM, soft hyphen), control characters other than tab and newline,
// variation selectors and Hangul fillers.
func invisible(c rune) bool {
	switch {
	case c == '\n' || c == '\t' || c == '\r':
		return false
	case unicode.Is(unicode.Cf, c), unicode.Is(unicode.Cc, c):
		return true
	case c >= 0xFE00 && c <= 0xFE0F, c >= 0xE0100 && c <= 0xE01EF, c == 0x034F:
		return true
	case c == 0x115F, c == 0x1160, c == 0x3164, c == 0xFFA0, c == 0x2800:
		return true
	}
	return false
}

func runeName(c rune) string {
	names := map[rune]string{
		0x00AD: "SOFT HYPHEN", 0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER",
		0x200D: "ZERO WIDTH JOINER", 0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
		0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
		0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2060: "WORD JOINER",
		0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE",
		0x2069: "POP DIRECTIONAL ISOLATE", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE",
	}
	name := names[c]
	switch {
	case name != "":
	case c >= 0xFE00 && c <= 0xFE0F, c >= 0xE0100 && c <= 0xE01EF:
		name = "VARIATION SELECTOR"
	case unicode.Is(unicode.Cc, c):
		name = "CONTROL CHARACTER"
	default:
		name = "INVISIBLE CHARACTER"
	}
	return fmt.Sprintf("U+%04X %s", c, name)
}

func containsRune(rs []rune, c rune) bool {
	for _, x := range rs {
		if x == c {
			return true
		}
	}
	return false
}

// Scripts whose letters are confused with one another.
var confusableScripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek},
	{"Armenian", unicode.Armenian}, {"Cherokee", unicode.Cherokee}, {"Coptic", unicode.Coptic},
}

// latinLookalikes are Cyrillic and Greek letters drawn like Latin ones: a
// word made only of them reads as a Latin word.
const latinLookalikes = "АВЕЅІЈКМНОРСТХУаеіјорсуххѕԁԛԝһӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧοιν"

var wordRe = &lazyRegexp{pattern: `[\p{L}\p{M}]+`}

func checkMixedScript(in *Input, r *reporter) {
	for _, t := range in.texts() {
		latinWords := 0
		for _, w := range wordRe.FindAllString(t.value, -1) {
			if len(scriptsOf(w)) == 1 && scriptsOf(w)[0] == "Latin" {
				latinWords++
			}
		}
		for _, w := range wordRe.FindAllString(t.value, -1) {
			scripts := scriptsOf(w)
			switch {
			case len(scripts) > 1:
				r.add(in.find(t.at.rng, w), t.at.anchor, "",
					"%s has the word %q, which mixes %s letters: it looks like a word it is not", t.what, w, strings.Join(scripts, " and "))
			case len(scripts) == 1 && scripts[0] != "Latin" && (latinWords > 0 || t.kind == kindName || t.kind == kindTitle || t.kind == kindEnum) && allLookalike(w):
				r.add(in.find(t.at.rng, w), t.at.anchor, "",
					"%s has the word %q, written in %s letters that look Latin: it reads as a Latin word it is not", t.what, w, scripts[0])
			}
		}
	}
}

func scriptsOf(word string) []string {
	var out []string
	for _, c := range word {
		if !unicode.IsLetter(c) {
			continue
		}
		for _, s := range confusableScripts {
			if unicode.Is(s.table, c) {
				if !containsString(out, s.name) {
					out = append(out, s.name)
				}
				break
			}
		}
	}
	return out
}

func allLookalike(word string) bool {
	for _, c := range word {
		if unicode.IsLetter(c) && !strings.ContainsRune(latinLookalikes, c) {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// instructionPatterns are phrases that address the model instead of
// describing a tool. Each is matched case-insensitively.
var instructionPatterns = []struct {
	re   *lazyRegexp
	what string
}{
	{&lazyRegexp{pattern: `(?i)\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(of\s+)?(the\s+|your\s+)?(previous|prior|above|earlier|preceding|other|system|original)\s+(instructions?|prompts?|rules|guidelines|messages|directions|context)`},
		"tells the model to ignore its instructions"},
	{&lazyRegexp{pattern: `(?i)\b(do\s+not|don'?t|never)\s+(tell|inform|mention|reveal|show|notify|alert|disclose)\s+(this\s+|it\s+|anything\s+|that\s+)?(to\s+)?(the\s+)?user`},
		"tells the model to keep something from the user"},
	{&lazyRegexp{pattern: `(?i)\bwithout\s+(telling|informing|notifying|alerting|asking|showing|mentioning)\s+(it\s+to\s+|this\s+to\s+)?the\s+user`},
		"tells the model to act without the user knowing"},
	{&lazyRegexp{pattern: `(?i)\b(hide|conceal)\s+(this|it|that)\s+from\s+the\s+user`},
		"tells the model to hide something from the user"},
	{&lazyRegexp{pattern: `(?i)</?\s*(important|system|instructions?|admin|secret|hidden|critical|assistant)\s*>|\[\s*(system|inst|important)\s*\]`},
		"holds a tag that poses as a system or priority message"},
	{&lazyRegexp{pattern: `(?i)\bbefore\s+(using|calling|invoking|running)\s+any\s+(other\s+)?tools?\b`},
		"tells the model to call it before any other tool"},
	{&lazyRegexp{pattern: `(?i)\b(always|must)\s+(first\s+)?(call|use|invoke|run)\s+this\s+tool\s+(first|before)`},
		"tells the model to call it before anything else"},
	{&lazyRegexp{pattern: `(?i)\byou\s+are\s+now\b|\bnew\s+instructions\b|\bsystem\s+prompt\b`},
		"addresses the model's own instructions"},
	{&lazyRegexp{pattern: `(?i)~/\.(ssh|aws|gnupg|config|cursor|kube)\b|\bid_(rsa|ed25519|ecdsa)\b|\.aws/credentials|\bmcp\.json\b`},
		"names a secret file for the model to read"},
}

func checkInstructions(in *Input, r *reporter) {
	for _, t := range in.texts() {
		if t.kind == kindName {
			continue
		}
		for _, p := range instructionPatterns {
			if m := p.re.FindString(t.value); m != "" {
				r.add(in.find(t.at.rng, m), t.at.anchor, "", "%s %s (%q)", t.what, p.what, m)
			}
		}
	}
}

// redirectRe finds what a text tells the model to use: "call X", "use the
// X tool", "invoke `X`".
var redirectRe = &lazyRegexp{pattern: "(?i)\\b(call|use|invoke|run|prefer|try)\\s+(?:the\\s+)?(`[^`\\s]+`|[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9]+)*)(\\s+tool\\b)?"}

// notNames are words that may stand where a tool's name would without
// naming one.
var notNames = &lazySet{words: "this that the a an any other same each every first next another previous one which some " +
	"mcp it them these those snake_case camel_case kebab_case"}

func checkForeignTools(in *Input, r *reporter) {
	known := map[string]bool{}
	add := func(name string) { known[strings.ToLower(name)] = true }
	for _, q := range in.queries() {
		add(q.name)
		for _, b := range q.x.Access.Binds {
			add(b.Name)
		}
	}
	for _, t := range in.Surface.Tools {
		for name := range inputProperties(t.Tool) {
			add(name)
		}
	}
	for _, list := range [][]runtime.ResourceSurface{in.Surface.Resources, in.Surface.ResourceTemplates} {
		for _, res := range list {
			if res.Resource != nil {
				add(res.Resource.Name)
			}
			if res.Template != nil {
				add(res.Template.Name)
				if res.Template.URITemplate != nil && res.Template.URITemplate.Template != nil {
					for _, v := range res.Template.URITemplate.Varnames() {
						add(v)
					}
				}
			}
		}
	}
	for _, p := range in.Surface.Prompts {
		add(p.Prompt.Name)
		for _, a := range p.Prompt.Arguments {
			add(a.Name)
		}
	}
	for _, t := range in.texts() {
		if !t.prose() {
			continue
		}
		for _, m := range redirectRe.FindAllStringSubmatch(t.value, -1) {
			verb, name, asTool := strings.ToLower(m[1]), m[2], m[3] != ""
			quoted := strings.HasPrefix(name, "`")
			name = strings.Trim(name, "`")
			lower := strings.ToLower(name)
			// What counts as a tool's name: "the X tool"; `X` after
			// call, invoke or run (after use it is as often a format);
			// snake_case, not a constant such as ISO_8601.
			named := asTool ||
				quoted && (verb == "call" || verb == "invoke" || verb == "run") ||
				strings.Contains(name, "_") && name == lower
			if known[lower] || notNames.has(lower) || !named {
				continue
			}
			r.add(in.find(t.at.rng, name), t.at.anchor, "",
				"%s sends the model to %q, which this configuration does not declare", t.what, name)
		}
	}
}

var (
	urlRe   = &lazyRegexp{pattern: `(?i)\b(?:https?|ftp|wss?|file)://[^\s"'<>()\[\]{}]+|\bwww\.[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s"'<>()\[\]{}]*`}
	emailRe = &lazyRegexp{pattern: `[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})`}
	hostRe  = &lazyRegexp{pattern: `(?i)^(?:[a-z]+://)?(?:[^@/]*@)?([^/:?#]+)`}
)

// exampleHost reports hosts reserved for examples and tests (RFC 2606,
// RFC 6761): they can never receive anything.
func exampleHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range []string{"example.com", "example.net", "example.org"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	for _, tld := range []string{".example", ".test", ".invalid", ".localhost"} {
		if strings.HasSuffix(host, tld) {
			return true
		}
	}
	return host == "localhost"
}

func checkLinks(in *Input, r *reporter) {
	for _, t := range in.texts() {
		if t.kind == kindName {
			continue
		}
		for _, u := range urlRe.FindAllString(t.value, -1) {
			u = strings.TrimRight(u, ".,;:!?")
			if h := hostRe.FindStringSubmatch(u); h != nil && exampleHost(h[1]) {
				continue
			}
			r.add(in.find(t.at.rng, u), t.at.anchor, "", "%s holds the URL %s", t.what, u)
		}
		for _, m := range emailRe.FindAllStringSubmatch(t.value, -1) {
			if exampleHost(m[1]) {
				continue
			}
			r.add(in.find(t.at.rng, m[0]), t.at.anchor, "", "%s holds the e-mail address %s", t.what, m[0])
		}
	}
}

// tokens estimates how many tokens a text costs: about four characters
// each, as for English with the common tokenizers.
func tokens(s string) int { return (len([]rune(s)) + 3) / 4 }

func checkLength(in *Input, r *reporter) {
	budget := DefaultDescriptionTokens
	if l := in.Config.Lint; l != nil && l.MaxDescriptionTokens > 0 {
		budget = l.MaxDescriptionTokens
	}
	for _, t := range in.texts() {
		if t.kind != kindDescription && t.kind != kindInstructions && t.kind != kindParam {
			continue
		}
		if n := tokens(t.value); n > budget {
			r.add(in.at(t.at.rng), t.at.anchor, "",
				"%s is about %d tokens, over the budget of %d: it is sent to the model in every conversation", t.what, n, budget)
		}
	}
}
