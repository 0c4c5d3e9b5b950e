package lint

import (
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// Every mcpgen command links this package, and `mcpgen serve` never
// lints: what the rules need (their regular expressions, the rule table)
// is built on first use rather than at package initialisation, so that
// starting a server does not pay for it.

// built counts the values built on first use, for Built.
var built atomic.Int64

// Built reports how many of the package's values built on first use
// have been built in this process. A test of `mcpgen serve` checks that
// starting a server builds none.
func Built() int64 { return built.Load() }

// lazyRegexp is a regular expression compiled the first time it is used.
// Declare one as &lazyRegexp{pattern: `...`}: a composite literal of
// constants, which the compiler lays out statically, costs nothing at
// initialisation. Its methods are those of regexp.Regexp the rules use.
type lazyRegexp struct {
	pattern string
	once    sync.Once
	re      *regexp.Regexp
}

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() {
		built.Add(1)
		l.re = regexp.MustCompile(l.pattern)
	})
	return l.re
}

func (l *lazyRegexp) MatchString(s string) bool { return l.get().MatchString(s) }

func (l *lazyRegexp) FindString(s string) string { return l.get().FindString(s) }

func (l *lazyRegexp) FindStringSubmatch(s string) []string { return l.get().FindStringSubmatch(s) }

func (l *lazyRegexp) FindAllString(s string, n int) []string { return l.get().FindAllString(s, n) }

func (l *lazyRegexp) FindAllStringSubmatch(s string, n int) [][]string {
	return l.get().FindAllStringSubmatch(s, n)
}

func (l *lazyRegexp) ReplaceAllString(src, repl string) string {
	return l.get().ReplaceAllString(src, repl)
}

// lazySet is a set of words, made into a map the first time it is
// asked. Declare one as &lazySet{words: "a b c"}, for the reason given
// at lazyRegexp.
type lazySet struct {
	words string // separated by spaces
	once  sync.Once
	set   map[string]bool
}

func (l *lazySet) has(word string) bool {
	l.once.Do(func() {
		built.Add(1)
		l.set = map[string]bool{}
		for _, w := range strings.Fields(l.words) {
			l.set[w] = true
		}
	})
	return l.set[word]
}
