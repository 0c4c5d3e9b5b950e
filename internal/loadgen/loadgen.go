// Package loadgen drives an MCP server with tools/call load and measures
// it: the engine of `mcpgen bench`. It speaks real MCP (initialize, with
// or without a session; JSON and SSE answers over Streamable HTTP; or
// stdio), checks every answer, and, for a server it started itself, reads
// the server's CPU time and memory from /proc.
package loadgen

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Target is one server under load: a URL of a running Streamable HTTP
// server, or a command the bench starts (and can then measure).
type Target struct {
	Name    string   // as the report shows it
	URL     string   // a running server
	Command []string // or a server to start: it logs its URL, or speaks stdio
	Env     []string // the command's environment (nil: the bench's own)
	Stdio   bool     // the command speaks MCP on stdin/stdout
	Headers http.Header

	roots *x509.CertPool // for an https URL; nil: the system's (tests set it)
}

// Options is one bench run.
type Options struct {
	Tool        string
	Args        string // a JSON object; {{int MIN MAX}} is a fresh random integer per call
	Concurrency int
	Duration    time.Duration // per target, over all rounds; or
	Calls       int           // per target, over all rounds
	Rounds      int           // runs per target, alternating targets
	Warmup      time.Duration // unmeasured load per target first
	Idle        time.Duration // how long a started server idles before its RSS is read
	Expect      string        // a text every answer must hold
	Protocol    string        // the revision asked for in initialize
	Progress    io.Writer     // a terminal for a live progress line, or nil
	// MaxOther is how many cores other processes may use during a run of
	// a server the bench started: before each run it waits (up to ten
	// minutes) for a second that quiet, and it redoes a run they
	// disturbed more, four times at most. 0: neither.
	MaxOther float64
	// Notes receives what the bench waits for and redoes; nil: nowhere.
	Notes io.Writer
}

// Report is what one target did, over all its rounds.
type Report struct {
	Target       string            `json:"target"`
	Transport    string            `json:"transport"`
	Concurrency  int               `json:"concurrency"`
	Calls        int               `json:"calls"`
	Errors       int               `json:"errors"`
	ErrorClasses map[string]int    `json:"error_classes,omitempty"`
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	Seconds      float64           `json:"seconds"`
	PerSecond    float64           `json:"per_second"`
	LatencyMs    Latency           `json:"latency_ms"`
	RoundPerSec  []float64         `json:"round_per_second"`

	// Only for a server the bench started itself.
	ServerCPUMicrosPerCall float64 `json:"server_cpu_us_per_call,omitempty"`
	StartMs                float64 `json:"start_ms,omitempty"`
	IdleRSSMiB             float64 `json:"idle_rss_mib,omitempty"`
	LoadRSSMiB             float64 `json:"rss_after_load_mib,omitempty"`
	// The anonymous part of the RSS (RssAnon): what the server holds
	// alone, without the executable's pages it shares with others.
	IdleAnonMiB float64 `json:"idle_anon_mib,omitempty"`
	LoadAnonMiB float64 `json:"anon_after_load_mib,omitempty"`
	// OtherCores is the most CPU other processes used, in cores, during
	// a kept run (the machine's load, Linux only); Redone counts the runs
	// done again because it was over MaxOther.
	OtherCores float64 `json:"other_cores,omitempty"`
	Redone     int     `json:"redone,omitempty"`

	lat       []time.Duration
	elapsed   time.Duration
	serverCPU time.Duration
	measured  bool
}

// Latency is client-side time per call.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Comparison is the second target against the first, from runs that
// alternated between them.
type Comparison struct {
	PerSecond      float64   `json:"per_second"`
	RoundPerSecond []float64 `json:"round_per_second"`
	P50            float64   `json:"p50"`
	P99            float64   `json:"p99"`
	ServerCPU      float64   `json:"server_cpu_per_call,omitempty"`
}

// Result is a whole bench run.
type Result struct {
	Tool        string      `json:"tool"`
	Concurrency int         `json:"concurrency"`
	Reports     []*Report   `json:"targets"`
	Compare     *Comparison `json:"compare,omitempty"`
}

// endpoint opens the connections of the clients of a load.
type endpoint interface {
	open(ctx context.Context) (conn, error)
}

type conn interface {
	call(ctx context.Context, id int64, body []byte) ([]byte, error)
	close()
}

// Run loads every target in turn, o.Rounds times, and reports.
func Run(ctx context.Context, o Options, targets []Target) (*Result, error) {
	if o.Tool == "" {
		return nil, errors.New("name the tool to call (--tool)")
	}
	args, err := parseArgs(o.Args)
	if err != nil {
		return nil, err
	}
	if o.Concurrency < 1 {
		return nil, fmt.Errorf("-c %d: want at least 1 client", o.Concurrency)
	}
	if (o.Duration > 0) == (o.Calls > 0) {
		return nil, errors.New("give either a duration (-d) or a number of calls (-n)")
	}
	o.Rounds = max(o.Rounds, 1)
	if o.Calls > 0 && o.Calls < o.Rounds {
		return nil, fmt.Errorf("-n %d: want at least one call per round (%d rounds)", o.Calls, o.Rounds)
	}
	if o.Protocol == "" {
		o.Protocol = DefaultProtocol
	}
	tool, _ := json.Marshal(o.Tool)
	l := &load{o: o, tool: tool, args: args, expect: []byte(o.Expect)}

	res := &Result{Tool: o.Tool, Concurrency: o.Concurrency}
	eps := make([]endpoint, len(targets))
	procs := make([]*process, len(targets))
	defer func() {
		for _, p := range procs {
			if p != nil {
				p.stop()
			}
		}
	}()
	for i, t := range targets {
		r := &Report{Target: t.Name, Concurrency: o.Concurrency, ErrorClasses: map[string]int{}, ErrorSamples: map[string]string{}}
		res.Reports = append(res.Reports, r)
		url := t.URL
		if t.Stdio && len(t.Command) == 0 {
			return nil, fmt.Errorf("%s: stdio needs a server to start", t.Name)
		}
		if len(t.Command) > 0 {
			p, err := startProcess(ctx, t, o.Protocol)
			if err != nil {
				return nil, err
			}
			procs[i], url = p, p.url
			r.measured = true
			r.StartMs = ms(p.startup)
			if o.Idle > 0 {
				select {
				case <-time.After(o.Idle):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			if rss, anon, err := memory(p.pid()); err == nil {
				r.IdleRSSMiB, r.IdleAnonMiB = mib(rss), mib(anon)
			}
		}
		if t.Stdio {
			eps[i] = procs[i].stdio
			r.Transport = "stdio"
			continue
		}
		e, err := newHTTPEndpoint(url, t.Headers, o.Protocol, t.roots)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", t.Name, err)
		}
		eps[i] = e
		r.Transport = "Streamable HTTP"
	}

	if o.Warmup > 0 {
		for i := range targets {
			if _, err := l.run(ctx, eps[i], nil, o.Warmup, 0, res.Reports[i].Target+" warm-up"); err != nil {
				return nil, err
			}
		}
	}
	for round := range o.Rounds {
		d, n := o.Duration/time.Duration(o.Rounds), o.Calls/o.Rounds
		if round == o.Rounds-1 {
			d, n = o.Duration-d*time.Duration(o.Rounds-1), o.Calls-n*(o.Rounds-1)
		}
		for i, r := range res.Reports {
			label := r.Target
			if o.Rounds > 1 {
				label = fmt.Sprintf("%s, round %d/%d", r.Target, round+1, o.Rounds)
			}
			seg, err := l.measure(ctx, eps[i], procs[i], d, n, label, r)
			if err != nil {
				return nil, err
			}
			r.add(seg)
		}
	}
	for i, r := range res.Reports {
		r.finish()
		if p := procs[i]; p != nil {
			if rss, anon, err := memory(p.pid()); err == nil {
				r.LoadRSSMiB, r.LoadAnonMiB = mib(rss), mib(anon)
			}
			if r.Transport == "Streamable HTTP" {
				r.Transport += ", " + p.url
			}
		}
	}
	if len(res.Reports) == 2 {
		res.Compare = compare(res.Reports[0], res.Reports[1])
	}
	return res, nil
}

// load is what every client of every run shares.
type load struct {
	o      Options
	tool   []byte
	args   *argsTemplate
	expect []byte
	ids    atomic.Int64
}

// segment is one run against one target.
type segment struct {
	lat       []time.Duration
	failures  []failure
	elapsed   time.Duration
	serverCPU time.Duration
	measured  bool
	stateless bool
	other     float64 // cores other processes used; -1: unknown
}

// measure is one run on a quiet machine, if MaxOther asks for one: it
// waits for other processes to calm down first, and does the run again
// if they used more than MaxOther during it.
func (l *load) measure(ctx context.Context, ep endpoint, p *process, d time.Duration, n int, label string, r *Report) (*segment, error) {
	for try := 1; ; try++ {
		if l.o.MaxOther > 0 {
			l.waitQuiet(ctx)
		}
		seg, err := l.run(ctx, ep, p, d, n, label)
		if err != nil || l.o.MaxOther <= 0 || !seg.measured || seg.other <= l.o.MaxOther || try == 5 {
			return seg, err
		}
		r.Redone++
		l.note("%s: other processes used %.2f cores during the run; doing it again", label, seg.other)
	}
}

// waitQuiet waits, up to ten minutes, for a second in which other
// processes use at most MaxOther cores.
func (l *load) waitQuiet(ctx context.Context) {
	for i := 0; i < 600 && ctx.Err() == nil; i++ {
		busy0, err := busyCPU()
		if err != nil {
			return
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return
		}
		busy1, _ := busyCPU()
		other := (busy1 - busy0).Seconds()
		if other <= l.o.MaxOther {
			return
		}
		if i%30 == 0 {
			l.note("waiting for other processes to calm down (%.2f cores in use)", other)
		}
	}
}

func (l *load) note(format string, args ...any) {
	if l.o.Notes != nil {
		fmt.Fprintf(l.o.Notes, format+"\n", args...)
	}
}

// run drives ep with the clients for d, or for n calls. Every client
// opens its session before the clock starts, and closes it after.
func (l *load) run(ctx context.Context, ep endpoint, p *process, d time.Duration, n int, label string) (*segment, error) {
	conns := make([]conn, l.o.Concurrency)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.close()
			}
		}
	}()
	for i := range conns {
		c, err := ep.open(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %v%s", label, err, tailOf(p))
		}
		conns[i] = c
	}
	seg := &segment{}
	if hc, ok := conns[0].(*httpConn); ok {
		seg.stateless = hc.session == ""
	}
	var cpu0 time.Duration
	if p != nil {
		var err error
		if cpu0, err = cpuTime(p.pid()); err == nil {
			seg.measured = true
		}
	}
	busy0, busyErr := busyCPU()
	self0 := selfCPU()

	type tally struct {
		lat      []time.Duration
		failures []failure
	}
	tallies := make([]tally, len(conns))
	var done, failed atomic.Int64
	remaining := atomic.Int64{}
	remaining.Store(int64(n))
	began := time.Now()
	deadline := began.Add(d)
	stopProgress := l.progress(label, began, &done, &failed)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			t := &tallies[i]
			t.lat = make([]time.Duration, 0, 1024)
			rng := rand.New(rand.NewPCG(uint64(i), uint64(began.UnixNano())))
			var body []byte
			for ctx.Err() == nil {
				if n > 0 {
					if remaining.Add(-1) < 0 {
						break
					}
				} else if !time.Now().Before(deadline) {
					break
				}
				id := l.ids.Add(1)
				body = callBody(body[:0], id, l.tool, l.args, rng)
				t0 := time.Now()
				raw, err := c.call(ctx, id, body)
				t.lat = append(t.lat, time.Since(t0))
				var f *failure
				if err != nil {
					f = asFailure(err)
				} else {
					f = check(raw, id, l.expect)
				}
				if f != nil {
					t.failures = append(t.failures, *f)
					failed.Add(1)
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	seg.elapsed = time.Since(began)
	stopProgress()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if seg.measured {
		cpu1, err := cpuTime(p.pid())
		seg.measured = err == nil
		seg.serverCPU = cpu1 - cpu0
	}
	// What the machine did besides the server and these clients.
	seg.other = -1
	if busy1, err := busyCPU(); err == nil && busyErr == nil && seg.measured {
		other := busy1 - busy0 - seg.serverCPU - (selfCPU() - self0)
		seg.other = max(0, other.Seconds()/seg.elapsed.Seconds())
	}
	for _, t := range tallies {
		seg.lat = append(seg.lat, t.lat...)
		seg.failures = append(seg.failures, t.failures...)
	}
	return seg, nil
}

// asFailure is the failure err tells of; an error that is no failure is
// a transport one. (A function of its own: errors.As makes its target
// escape, which would cost the calls an allocation each.)
func asFailure(err error) *failure {
	if f, ok := err.(*failure); ok {
		return f
	}
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	return &failure{ClassTransport, err.Error()}
}

func tailOf(p *process) string {
	if p == nil {
		return ""
	}
	return p.logTail()
}

// progress shows a live line while a run lasts, on a terminal only.
func (l *load) progress(label string, began time.Time, done, failed *atomic.Int64) (stop func()) {
	w := l.o.Progress
	if w == nil {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				el := time.Since(began).Seconds()
				fmt.Fprintf(w, "\r\033[K%s: %.1fs  %d calls  %.0f/s  %d errors", label, el, done.Load(), float64(done.Load())/el, failed.Load())
			}
		}
	}()
	return func() { close(quit); <-finished }
}

func (r *Report) add(s *segment) {
	r.lat = append(r.lat, s.lat...)
	r.elapsed += s.elapsed
	r.RoundPerSec = append(r.RoundPerSec, round(float64(len(s.lat))/s.elapsed.Seconds(), 1))
	if s.stateless {
		r.Transport = "Streamable HTTP, stateless"
	}
	if s.measured {
		r.serverCPU += s.serverCPU
	} else {
		r.measured = false
	}
	r.OtherCores = max(r.OtherCores, round(s.other, 2))
	for _, f := range s.failures {
		r.Errors++
		r.ErrorClasses[f.class]++
		if _, ok := r.ErrorSamples[f.class]; !ok {
			r.ErrorSamples[f.class] = f.detail
		}
	}
}

func (r *Report) finish() {
	r.Calls = len(r.lat)
	r.Seconds = round(r.elapsed.Seconds(), 3)
	if r.elapsed > 0 {
		r.PerSecond = round(float64(r.Calls)/r.elapsed.Seconds(), 1)
	}
	slices.Sort(r.lat)
	if len(r.lat) > 0 {
		at := func(p int) float64 { return ms(r.lat[min(len(r.lat)-1, len(r.lat)*p/100)]) }
		r.LatencyMs = Latency{P50: at(50), P90: at(90), P99: at(99), Max: ms(r.lat[len(r.lat)-1])}
	}
	if r.measured && r.Calls > 0 {
		r.ServerCPUMicrosPerCall = round(float64(r.serverCPU.Nanoseconds())/1e3/float64(r.Calls), 1)
	}
}

func compare(a, b *Report) *Comparison {
	ratio := func(x, y float64) float64 {
		if y == 0 {
			return 0
		}
		return round(x/y, 3)
	}
	c := &Comparison{
		PerSecond: ratio(b.PerSecond, a.PerSecond),
		P50:       ratio(b.LatencyMs.P50, a.LatencyMs.P50),
		P99:       ratio(b.LatencyMs.P99, a.LatencyMs.P99),
		ServerCPU: ratio(b.ServerCPUMicrosPerCall, a.ServerCPUMicrosPerCall),
	}
	for i := range min(len(a.RoundPerSec), len(b.RoundPerSec)) {
		c.RoundPerSecond = append(c.RoundPerSecond, ratio(b.RoundPerSec[i], a.RoundPerSec[i]))
	}
	return c
}

func ms(d time.Duration) float64 { return round(float64(d.Nanoseconds())/1e6, 3) }

func mib(b int64) float64 { return round(float64(b)/(1<<20), 1) }

func round(x float64, prec int) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', prec, 64), 64)
	return v
}
