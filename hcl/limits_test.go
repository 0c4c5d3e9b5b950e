package hcl

import (
	"testing"
	"time"
)

func TestLimitsDecode(t *testing.T) {
	t.Setenv("LIMITS_REDIS", "redis://127.0.0.1:6379/0")
	cfg, diags := LoadSource("limits.hcl", []byte(`
limits {
  backend   = "redis"
  redis_url = env("LIMITS_REDIS")
  on_redis_error = "allow"
  rate_limit {
    rate = "600/m"
  }
  http_rate_limit {
    rate  = "5/10s"
    burst = 50
  }
}
source "sql" "db" {
  driver          = "sqlite"
  dsn             = "file:x.db"
  max_concurrency = 8
}
tool "a" {
  source          = source.sql.db
  sql             = "SELECT 1"
  max_concurrency = 2
  rate_limit {
    rate  = "10/s"
    burst = 20
    key   = "principal.claims.org"
  }
  cache {
    ttl    = "30s"
    shared = true
  }
}
tool "b" {
  source = source.sql.db
  sql    = "SELECT 1"
  rate_limit {
    rate = "1/h"
    key  = "global"
  }
}
tool "c" {
  source = source.sql.db
  sql    = "SELECT 1"
}
`))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	l := cfg.Limits
	if l.Backend != "redis" || l.RedisURL != "redis://127.0.0.1:6379/0" || l.OnRedisError != "allow" {
		t.Errorf("limits = %+v", l)
	}
	if r := l.RateLimit; r == nil || r.Rate != 600 || r.Per != time.Minute || r.Burst != 600 || r.Key != KeyPrincipal {
		t.Errorf("default rate_limit = %+v, want 600/m, burst 600 (the rate), per principal", r)
	}
	if r := l.HTTPRateLimit; r == nil || r.Rate != 5 || r.Per != 10*time.Second || r.Burst != 50 || r.Key != KeyClient {
		t.Errorf("http_rate_limit = %+v", r)
	}
	if cfg.Sources[0].MaxConcurrency != 8 {
		t.Errorf("source max_concurrency = %d, want 8", cfg.Sources[0].MaxConcurrency)
	}
	a, b, c := cfg.Tools[0], cfg.Tools[1], cfg.Tools[2]
	if a.MaxConcurrency != 2 || a.RateLimit.Rate != 10 || a.RateLimit.Burst != 20 || a.RateLimit.KeyExpr == nil ||
		a.RateLimit.KeyExpr.Source != "principal.claims.org" || a.RateLimit.Key != "" {
		t.Errorf("tool a = %+v, rate_limit %+v", a, a.RateLimit)
	}
	if a.Cache == nil || a.Cache.TTL != 30*time.Second || a.Cache.MaxEntries != 1000 || !a.Cache.Shared {
		t.Errorf("tool a cache = %+v, want 30s, 1000 entries, shared", a.Cache)
	}
	if b.RateLimit.Key != KeyGlobal || b.RateLimit.Burst != 1 || b.Cache != nil {
		t.Errorf("tool b = %+v", b.RateLimit)
	}
	if c.RateLimit != nil || c.MaxConcurrency != 0 || c.Cache != nil {
		t.Errorf("tool c has limits it did not declare")
	}
}

func TestDefaultLimits(t *testing.T) {
	cfg, diags := LoadSource("none.hcl", []byte(`server { name = "x" }`))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if l := cfg.Limits; l == nil || l.Backend != "memory" || l.RateLimit != nil || l.HTTPRateLimit != nil || l.MaxKeys != defaultMaxKeys {
		t.Errorf("limits without a block = %+v", l)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		per  time.Duration
		fail bool
	}{
		{in: "10/s", n: 10, per: time.Second},
		{in: " 600 / m ", n: 600, per: time.Minute},
		{in: "1/h", n: 1, per: time.Hour},
		{in: "5/10s", n: 5, per: 10 * time.Second},
		{in: "10", fail: true},
		{in: "0/s", fail: true},
		{in: "-1/s", fail: true},
		{in: "1/-1s", fail: true},
		{in: "2/1ns", fail: true},
		{in: "1/day", fail: true},
	}
	for _, tt := range tests {
		n, per, err := parseRate(tt.in)
		if (err != nil) != tt.fail || (!tt.fail && (n != tt.n || per != tt.per)) {
			t.Errorf("parseRate(%q) = %d, %s, %v", tt.in, n, per, err)
		}
	}
}
