package runtime_test

// Rate limits, concurrency caps and the limiter's own failures, through
// tools/call: what the caller is told, and what is audited.

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
)

func limitsConfig(db string) string {
	return fmt.Sprintf(`
server { name = "limits" }

limits {
  rate_limit {
    rate  = "1/h"
    burst = 1
    key   = "global"
  }
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = %q
}

tool "per_org" {
  description = "One call an hour per organization."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 1
    key   = "principal.claims.org"
  }
}

tool "per_caller" {
  description = "One call an hour per caller."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 1
    key   = "principal"
  }
}

tool "fast" {
  description = "Two calls a second, one at a time."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
  rate_limit {
    rate  = "2/s"
    burst = 1
    key   = "tool"
  }
}

tool "odd_period" {
  description = "Five calls every ten seconds."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
  rate_limit {
    rate  = "5/10s"
    burst = 1
    key   = "tool"
  }
}

tool "default_one" {
  description = "Under the server's global default."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
}

tool "default_two" {
  description = "Under the server's global default too."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
}
`, db)
}

// TestRateLimits: who shares a bucket, and what a refusal says.
func TestRateLimits(t *testing.T) {
	dir := t.TempDir()
	h := serve(t, build(t, writeFiles(t, dir, "limits.hcl", limitsConfig(filepath.Join(dir, "l.db")))...))
	acme1 := &runtime.Principal{Subject: "a1", Claims: map[string]any{"org": "acme"}}
	acme2 := &runtime.Principal{Subject: "a2", Claims: map[string]any{"org": "acme"}}
	globex := &runtime.Principal{Subject: "g1", Claims: map[string]any{"org": "globex"}}
	noOrg := &runtime.Principal{Subject: "n"}

	type step struct {
		who     *runtime.Principal
		tool    string
		refused string // a regexp of the refusal; "" for a call let through
		class   string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"per CEL key", []step{
			{acme1, "per_org", "", ""},
			{acme2, "per_org", `^Rate limit exceeded: tool per_org allows 1 call per hour, in bursts of up to 1\. Try again in 1h0m0s\.$`, "rate"},
			{globex, "per_org", "", ""},
			{noOrg, "per_org", `^Permission denied`, "rate_limit_key"},
		}},
		{"per caller; anonymous callers share one bucket", []step{
			{acme1, "per_caller", "", ""},
			{acme2, "per_caller", "", ""},
			{acme1, "per_caller", "Rate limit exceeded", "rate"},
			{nil, "per_caller", "", ""},
			{&runtime.Principal{}, "per_caller", "Rate limit exceeded", "rate"},
		}},
		{"under a second, in milliseconds", []step{
			{acme1, "fast", "", ""},
			{acme2, "fast", `allows 2 calls per second, in bursts of up to 1\. Try again in \d{1,3}ms\.$`, "rate"},
		}},
		{"a period other than a unit", []step{
			{acme1, "odd_period", "", ""},
			{acme1, "odd_period", `allows 5 calls per 10s, in bursts of up to 1\. Try again in [12]s\.$`, "rate"},
		}},
		{"the server's global default is shared by its tools", []step{
			{acme1, "default_one", "", ""},
			{globex, "default_two", "tool default_two allows 1 call per hour", "rate"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, s := range tt.steps {
				res := h.call(t, as(s.who), s.tool, map[string]any{})
				rec := h.last(t)
				if s.refused == "" {
					if res.IsError || rec.Outcome != "ok" {
						t.Errorf("step %d: %s refused: %s (%s)", i, s.tool, res.text(), rec.Outcome)
					}
					continue
				}
				if !res.IsError || !regexp.MustCompile(s.refused).MatchString(res.text()) {
					t.Errorf("step %d: %q, want a refusal matching %q", i, res.text(), s.refused)
				}
				outcome := "rate_limited"
				if s.class == "rate_limit_key" {
					outcome = "denied"
				}
				if rec.Outcome != outcome || rec.ErrorClass != s.class {
					t.Errorf("step %d: audited %s/%s, want %s/%s", i, rec.Outcome, rec.ErrorClass, outcome, s.class)
				}
			}
		})
	}
}

// TestSourceConcurrency: a source's cap counts the calls of all its tools.
func TestSourceConcurrency(t *testing.T) {
	up := newUpstream(t)
	h := serve(t, build(t, writeFiles(t, t.TempDir(), "main.hcl", fmt.Sprintf(`
source "http" "up" {
  base_url        = %q
  max_concurrency = 1
}

tool "held" {
  description = "Holds the source's only slot until the test says."
  source      = source.http.up
  method      = "GET"
  path        = "/hold"
}

tool "beside" {
  description = "Another tool on the same source."
  source      = source.http.up
  method      = "GET"
  path        = "/ok"
}
`, up.URL))...))

	done := make(chan error, 1)
	go func() {
		_, err := h.send(as(nil), "tools/call", map[string]any{"name": "held", "arguments": map[string]any{}})
		done <- err
	}()
	<-up.held
	res := h.call(t, as(nil), "beside", map[string]any{})
	rec := h.last(t)
	up.release <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if want := "Too many calls: the backend of tool beside takes at most 1 calls at a time. Try again in a moment."; !res.IsError || res.text() != want {
		t.Errorf("beside while held: %q, want %q", res.text(), want)
	}
	if rec.Outcome != "rate_limited" || rec.ErrorClass != "concurrency" {
		t.Errorf("audited %s/%s", rec.Outcome, rec.ErrorClass)
	}
	if res := h.call(t, as(nil), "beside", map[string]any{}); res.IsError || res.StructuredContent["ok"] != true {
		t.Errorf("beside once the slot is free: %+v", res)
	}
	if rec := h.last(t); rec.Attempts != 1 || rec.Upstream != http.StatusOK {
		t.Errorf("the upstream's answer is not audited: %+v", rec)
	}
}

// TestLimiterUnavailable: a Redis that does not answer refuses
// rate-limited calls and HTTP requests when the policy fails closed, and
// lets them through when it fails open.
func TestLimiterUnavailable(t *testing.T) {
	tests := []struct {
		policy  string
		refused bool
	}{
		{"deny", true},
		{"allow", false},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			h := serve(t, build(t, writeFiles(t, t.TempDir(), "main.hcl", fmt.Sprintf(`
limits {
  backend        = "redis"
  redis_url      = "redis://127.0.0.1:1/0"
  on_redis_error = %q
  http_rate_limit {
    rate = "100/s"
  }
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:limiter?mode=memory"
}

tool "about" {
  description = "Rate limited."
  source      = source.sql.mem
  sql         = "SELECT 'hi' AS text"
  result { one = true }
  rate_limit {
    rate = "10/s"
  }
}

tool "unlimited" {
  description = "Not rate limited: Redis does not matter."
  content "text" {
    text = "hi"
  }
}
`, tt.policy))...))
			res := h.call(t, as(nil), "about", map[string]any{})
			rec := h.last(t)
			if tt.refused {
				if !res.IsError || res.text() != "Rate limit unavailable: the server cannot check its rate limits right now, so the call was refused. Try again in a few seconds." ||
					rec.Outcome != "rate_limited" || rec.ErrorClass != "limiter_unavailable" {
					t.Errorf("call: %q, audited %s/%s", res.text(), rec.Outcome, rec.ErrorClass)
				}
			} else if res.IsError || rec.Outcome != "ok" {
				t.Errorf("call: %q, audited %s", res.text(), rec.Outcome)
			}
			if res := h.call(t, as(nil), "unlimited", map[string]any{}); res.IsError {
				t.Errorf("a call without a rate limit: %q", res.text())
			}

			r := h.srv.AllowHTTP(context.Background(), "192.0.2.1")
			if tt.refused != (r != nil) {
				t.Fatalf("AllowHTTP: %+v", r)
			}
			if r != nil && (r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") != "1") {
				t.Errorf("AllowHTTP: %+v, want 503 with Retry-After 1", r)
			}
		})
	}
}

// TestRedisURLDiagnostic: a redis_url the client cannot use is a load
// error that says what is wrong with it, and never repeats its password.
func TestRedisURLDiagnostic(t *testing.T) {
	paths := writeFiles(t, t.TempDir(), "main.hcl", `
limits {
  backend   = "redis"
  redis_url = "redis://app:s3cret@127.0.0.1:6379/0?pool=5"
}
`)
	_, diags := runtime.Build(context.Background(), paths, runtime.BuildOptions{Mode: runtime.BuildOffline, Log: zerolog.Nop()})
	text := diags.Error()
	if !diags.HasErrors() || !strings.Contains(text, "Invalid redis_url") || !strings.Contains(text, `unknown query parameter "pool"`) {
		t.Errorf("diagnostics %q, want Invalid redis_url naming the unknown parameter", text)
	}
	if strings.Contains(text, "s3cret") {
		t.Errorf("the diagnostic repeats the password: %q", text)
	}
}
