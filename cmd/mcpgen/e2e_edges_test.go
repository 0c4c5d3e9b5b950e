package main

// End-to-end tests of the edges: sensitive values kept out of every
// message, binds checked against their type, URI variables read exactly.

import (
	"strings"
	"testing"
)

const edges = "testdata/e2e/edges.hcl"

func edgeTransports() []struct {
	name  string
	start func(*testing.T, []string, ...string) *server
} {
	return []struct {
		name  string
		start func(*testing.T, []string, ...string) *server
	}{{"stdio", startStdio}, {"http", startHTTP}}
}

// awaitN blocks until n lines containing every want are logged.
func (l *logLines) awaitN(t *testing.T, n int, wants ...string) []string {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		var found []string
		for _, line := range l.lines {
			all := true
			for _, w := range wants {
				all = all && strings.Contains(line, w)
			}
			if all {
				found = append(found, line)
			}
		}
		if len(found) >= n {
			return found
		}
		if l.done {
			t.Fatalf("process stopped logging before %d lines with %q; log:\n%s", n, wants, strings.Join(l.lines, "\n"))
		}
		l.cond.Wait()
	}
}

// TestSensitiveValuesStayOut: a sensitive param's value is in no error
// text a client reads and in no log line, at debug level too, whatever
// rule it breaks; the rule is still named.
func TestSensitiveValuesStayOut(t *testing.T) {
	for _, tr := range edgeTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, nil, edges)
			res := call(t, s.client, "login", map[string]any{"password": "hunter2"})
			toolError(t, res, `argument "password" must be at least 20 characters long`,
				`argument "password" must match the pattern`, `argument "password" must be one of "Correct-horse-battery-staple"`)
			if strings.Contains(text(res), "hunter2") || strings.Contains(text(res), "got") {
				t.Errorf("the error shows the value or what it was: %s", text(res))
			}
			res = call(t, s.client, "login", map[string]any{"password": 84629173})
			toolError(t, res, `argument "password" must be a string, got a number`)
			if strings.Contains(text(res), "84629173") {
				t.Errorf("the error shows the value: %s", text(res))
			}
			s.logs.awaitN(t, 2, `"tool":"login"`, `"outcome":"invalid"`)
			s.logs.awaitN(t, 2, `"invalid arguments"`)
			for _, secret := range []string{"hunter2", "84629173"} {
				if strings.Contains(s.logs.String(), secret) {
					t.Errorf("the log shows %s:\n%s", secret, s.logs)
				}
			}
		})
	}
}

// TestURIVariablesExact: an integer URI variable is read only when it is
// written as an integer; other spellings of the number are refused.
func TestURIVariablesExact(t *testing.T) {
	for _, tr := range edgeTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, nil, edges)
			res, err := readResource(s.client, "edges://orders/1002")
			if err != nil || len(res.Contents) != 1 {
				t.Fatalf("edges://orders/1002: %v, %v", res, err)
			}
			for _, v := range []string{"1.002e3", "1002.0", "10020e-1", "01002"} {
				if res, err := readResource(s.client, "edges://orders/"+v); err == nil || !strings.Contains(err.Error(), `argument "order_id" must be an integer`) {
					t.Errorf("edges://orders/%s = %v, %v; want an error saying it is not an integer", v, res, err)
				}
			}
		})
	}
}
