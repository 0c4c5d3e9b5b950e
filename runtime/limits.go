package runtime

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/mcp"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/guard"
	"github.com/mcpgen/mcpgen/runtime/ratelimit"
)

// genLimits are a generation's limits: where buckets live, the request
// limit over HTTP, and a concurrency cap per source.
type genLimits struct {
	store    *shared[*bucketStore]
	name     string // "memory" or "redis", for logs and metrics
	failOpen bool   // on_redis_error = "allow"
	http     *rateRule
	sources  map[string]chan struct{} // by source key; absent: no cap
	// lastWarn is when a limiter failure was last logged at warn level:
	// an unreachable Redis fails every call, and one line in ten seconds
	// says so well enough.
	lastWarn atomic.Int64
}

// bucketStore is where rate limit buckets live: in memory, or in Redis
// through a client.
type bucketStore struct {
	ratelimit.Limiter
	redis *ratelimit.Redis // nil: memory
}

func closeBuckets(b *bucketStore) error {
	if b.redis == nil {
		return nil
	}
	return b.redis.Close()
}

// toolLimits are one tool's limits and cache.
type toolLimits struct {
	gen    *genLimits
	rate   *rateRule
	sem    chan struct{} // the tool's own cap; nil: none
	srcSem chan struct{} // its source's cap; nil: none
	cache  *toolCache    // nil: not cached
}

// rateRule is a compiled rate_limit block as it applies to one tool.
type rateRule struct {
	limit  ratelimit.Limit
	prefix string         // the bucket key, or its start when per caller or per value
	per    string         // cfg.KeyPrincipal, "expr", or "" for one bucket
	expr   *guard.Program // per value
}

func compileRule(rl *cfg.RateLimit, tool string, server bool, env *guard.Env) (*rateRule, hcl.Diagnostics) {
	r := &rateRule{limit: ratelimit.Limit{Rate: rl.Rate, Period: rl.Per, Burst: rl.Burst}}
	switch {
	case rl.KeyExpr != nil:
		prg, err := env.CompileKey(rl.KeyExpr.Source)
		if err != nil {
			return nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid rate limit key",
				Detail:   fmt.Sprintf("The rate limit key of tool %q does not compile: %s.", tool, strings.TrimSuffix(err.Error(), ".")),
				Subject:  rl.KeyExpr.Range.Ptr(),
			}}
		}
		r.prefix, r.per, r.expr = "t:"+tool+"|k:", "expr", prg
	case rl.Key == cfg.KeyPrincipal:
		r.prefix, r.per = "t:"+tool+"|p:", cfg.KeyPrincipal
	case rl.Key == cfg.KeyTool:
		r.prefix = "t:" + tool
	case rl.Key == cfg.KeyGlobal && server:
		r.prefix = "g:server" // every tool under the server default shares it
	case rl.Key == cfg.KeyGlobal:
		r.prefix = "t:" + tool
	}
	return r, nil
}

// compileLimits builds the generation's limiter backend and HTTP rule from
// the limits block. It does no I/O: a Redis client connects when used.
func (g *Generation) compileLimits() hcl.Diagnostics {
	l := g.Config.Limits
	if l == nil {
		l = cfg.DefaultLimits()
	}
	g.limits = &genLimits{name: l.Backend, failOpen: l.OnRedisError == "allow", sources: map[string]chan struct{}{}}
	var diags hcl.Diagnostics
	switch l.Backend {
	case "redis":
		r, err := ratelimit.NewRedis(l.RedisURL)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid redis_url",
				Detail: strings.TrimPrefix(err.Error(), "ratelimit: redis_url: ") +
					". redis_url must be a URL such as redis://host:6379/0 or rediss://user:password@host:6380.",
				Subject: l.DeclRange.Ptr(),
			})
			g.limits.store = newShared(&bucketStore{Limiter: ratelimit.NewMemory(l.MaxKeys, nil)}, closeBuckets)
			break
		}
		g.limits.store = newShared(&bucketStore{Limiter: r, redis: r}, closeBuckets)
	default:
		g.limits.store = newShared(&bucketStore{Limiter: ratelimit.NewMemory(l.MaxKeys, nil)}, closeBuckets)
	}
	if l.HTTPRateLimit != nil {
		g.limits.http, _ = compileRule(l.HTTPRateLimit, "", true, nil)
		g.limits.http.prefix = "h:"
	}
	for _, src := range g.Config.Sources {
		if src.MaxConcurrency > 0 {
			g.limits.sources[src.Key()] = make(chan struct{}, src.MaxConcurrency)
		}
	}
	return diags
}

// compileToolLimits compiles a tool's rate limit (its own, or the server
// default), its concurrency caps and its cache.
func (g *Generation) compileToolLimits(t *toolEntry, env *guard.Env) hcl.Diagnostics {
	var diags hcl.Diagnostics
	decl := t.decl
	t.limits.gen = g.limits
	rl, server := decl.RateLimit, false
	if rl == nil && g.Config.Limits != nil {
		rl, server = g.Config.Limits.RateLimit, true
	}
	if rl != nil {
		rule, d := compileRule(rl, decl.Name, server, env.WithParams(guardParams(decl.Params)))
		diags = append(diags, d...)
		t.limits.rate = rule
	}
	if decl.MaxConcurrency > 0 {
		t.limits.sem = make(chan struct{}, decl.MaxConcurrency)
	}
	t.limits.srcSem = g.limits.sources[decl.Source.Key()]
	if decl.Cache != nil {
		t.limits.cache = newToolCache(decl.Cache)
	}
	return diags
}

// openLimits checks that Redis answers. An unreachable Redis is not a
// configuration error (it may come back), but the operator hears of it.
func (g *Generation) openLimits(ctx context.Context, opts adapter.OpenOptions) {
	if g.limits == nil || g.limits.store.v.redis == nil {
		return
	}
	if err := g.limits.store.v.redis.Ping(ctx); err != nil {
		opts.Log.Warn().Err(err).Str("policy", g.limits.policy()).
			Msg("the Redis of the rate limiter does not answer; rate-limited calls follow on_redis_error until it does")
	}
}

// inheritLimits lets a generation built by a reload share the rate limit
// buckets of prev when both use the same backend settings, so that a
// reload does not hand every caller a fresh burst.
func (g *Generation) inheritLimits(prev *Generation) {
	if prev.limits == nil || g.limits == nil {
		return
	}
	// hcl fills in the defaults when no limits block is declared.
	a, b := g.Config.Limits, prev.Config.Limits
	if a.Backend != b.Backend || a.RedisURL != b.RedisURL || a.MaxKeys != b.MaxKeys {
		return
	}
	_ = g.limits.store.release() // its own, unused: nothing waits on it
	g.limits.store = prev.limits.store.hold()
}

func (g *Generation) closeLimits() error {
	if g.limits == nil {
		return nil
	}
	return g.limits.store.release()
}

func (l *genLimits) policy() string {
	if l.failOpen {
		return "allow"
	}
	return "deny"
}

// allow asks the backend. A backend failure follows the declared policy:
// allowed when failing open, otherwise refused with unavailable set.
//
// key is only read: callers build it in a buffer of their own, which the
// memory backend looks up without copying.
func (cp *callPath) allow(ctx context.Context, l *genLimits, key []byte, lim ratelimit.Limit) (ok bool, retry time.Duration, unavailable bool) {
	var err error
	if m, isMem := l.store.v.Limiter.(*ratelimit.Memory); isMem {
		ok, retry, err = m.AllowKey(key, lim)
	} else {
		ok, retry, err = l.store.v.Allow(ctx, string(key), lim)
	}
	if err == nil {
		return ok, retry, false
	}
	policy := l.policy()
	cp.metrics.LimiterError(l.name, policy)
	now := time.Now().UnixNano()
	if last := l.lastWarn.Load(); now-last > int64(10*time.Second) && l.lastWarn.CompareAndSwap(last, now) {
		cp.log.Warn().Err(err).Str("backend", l.name).Str("policy", policy).Msg("rate limiter unavailable")
	} else {
		cp.log.Debug().Err(err).Str("backend", l.name).Str("policy", policy).Msg("rate limiter unavailable")
	}
	return l.failOpen, 0, !l.failOpen
}

// admission is a call let through its limits: it holds the concurrency
// slots to give back and where to cache the result.
type admission struct {
	t        *toolEntry
	tool     bool // holds a slot of the tool's cap
	src      bool // holds a slot of the source's cap
	cacheKey string
}

// done gives back the concurrency slots.
func (a admission) done() {
	if a.tool {
		<-a.t.limits.sem
	}
	if a.src {
		<-a.t.limits.srcSem
	}
}

// admit applies the tool's rate limit, answers from its cache, and takes
// its concurrency slots, in that order: a cached answer still counts
// against the rate, but holds no slot. A non-nil result ends the call.
func (cp *callPath) admit(ctx context.Context, log callLog, rec *audit.Record, t *toolEntry, args, binds map[string]any) (admission, *mcp.CallToolResult) {
	adm := admission{t: t}
	if r := t.limits.rate; r != nil {
		gl := t.limits.gen
		var buf [128]byte
		key := append(buf[:0], r.prefix...)
		switch r.per {
		case cfg.KeyPrincipal:
			key = append(key, PrincipalFrom(ctx).Subject...) // empty: anonymous callers share one bucket
		case "expr":
			var err error
			if key, err = r.expr.AppendValue(key, t.vars(ctx, args)); err != nil {
				log.Info().Err(err).Msg("call denied: no rate limit key")
				rec.Outcome, rec.ErrorClass = audit.Denied, "rate_limit_key"
				return adm, errorResult("Permission denied: the server's policy does not allow this call for this caller.")
			}
		}
		step := cp.tracing.step(ctx, "rate limit")
		ok, retry, unavailable := cp.allow(ctx, gl, key, r.limit)
		step.End(!ok || unavailable)
		switch {
		case unavailable:
			rec.Outcome, rec.ErrorClass = audit.RateLimited, "limiter_unavailable"
			cp.metrics.RateLimited(t.decl.Name, "limiter_unavailable")
			return adm, errorResult("Rate limit unavailable: the server cannot check its rate limits right now, so the call was refused. Try again in a few seconds.")
		case !ok:
			log.Debug().Dur("retry_after", retry).Msg("rate limited")
			rec.Outcome, rec.ErrorClass = audit.RateLimited, "rate"
			cp.metrics.RateLimited(t.decl.Name, "rate")
			return adm, errorResult(fmt.Sprintf("Rate limit exceeded: tool %s allows %s. Try again in %s.",
				t.decl.Name, describeLimit(r.limit), retryText(retry)))
		}
	}
	if c := t.limits.cache; c != nil {
		step := cp.tracing.step(ctx, "cache")
		key, hit, res := c.lookup(t, ctx, args, binds, rec)
		step.hit(hit)
		step.End(false)
		cp.metrics.Cache(t.decl.Name, hit)
		if hit {
			return adm, res
		}
		adm.cacheKey = key
	}
	if sem := t.limits.sem; sem != nil {
		select {
		case sem <- struct{}{}:
			adm.tool = true
		default:
			return adm, cp.busy(rec, t, fmt.Sprintf("Too many calls: tool %s runs at most %d at a time. Try again in a moment.", t.decl.Name, cap(sem)))
		}
	}
	if sem := t.limits.srcSem; sem != nil {
		select {
		case sem <- struct{}{}:
			adm.src = true
		default:
			adm.done()
			return adm, cp.busy(rec, t, fmt.Sprintf("Too many calls: the backend of tool %s takes at most %d calls at a time. Try again in a moment.", t.decl.Name, cap(sem)))
		}
	}
	return adm, nil
}

func (cp *callPath) busy(rec *audit.Record, t *toolEntry, msg string) *mcp.CallToolResult {
	rec.Outcome, rec.ErrorClass = audit.RateLimited, "concurrency"
	cp.metrics.RateLimited(t.decl.Name, "concurrency")
	return errorResult(msg)
}

// describeLimit reads a limit back: "10 calls per second, in bursts of up
// to 20".
func describeLimit(l ratelimit.Limit) string {
	per, ok := map[time.Duration]string{time.Second: "second", time.Minute: "minute", time.Hour: "hour"}[l.Period]
	if !ok {
		per = l.Period.String()
	}
	calls := "calls"
	if l.Rate == 1 {
		calls = "call"
	}
	return fmt.Sprintf("%d %s per %s, in bursts of up to %d", l.Rate, calls, per, l.Burst)
}

// retryText rounds a wait up, to milliseconds under a second and to whole
// seconds above, so that retrying then succeeds.
func retryText(d time.Duration) string {
	if d < time.Second {
		return time.Duration(math.Ceil(float64(max(d, time.Millisecond))/float64(time.Millisecond)) * float64(time.Millisecond)).String()
	}
	return (time.Duration(math.Ceil(d.Seconds())) * time.Second).String()
}
