package audit

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Requests refused before any tool ran (no credential, a bad one, a
// request that does not parse) cost a client nothing to send, and each
// would write a line: a flood of them would rotate the records that matter
// out of the trail. So, per client address, the first RefusalsWritten in a
// RefusalPeriod are written in full and the rest are counted; one summary
// record per address and period then says how many more there were and
// why. Addresses beyond MaxRefusingAddresses in one period share a single
// count. A flood from one address writes at most RefusalsWritten records
// and one summary a period, however fast it sends.
const (
	RefusalsWritten      = 5
	RefusalPeriod        = time.Minute
	MaxRefusingAddresses = 1024
	// maxReasons bounds the distinct reasons a summary counts, each at
	// most maxReasonBytes; others are counted as "other".
	maxReasons     = 16
	maxReasonBytes = 128
)

// refusals counts refused requests per client address. Its memory is
// bounded: at most MaxRefusingAddresses counts, each with at most
// maxReasons reasons of maxReasonBytes (under 3 KB; about 3 MB in all, a
// few hundred bytes per address in practice), dropped when their period
// ends.
type refusals struct {
	l        *Logger
	now      func() time.Time
	period   time.Duration
	written  int
	maxAddrs int

	mu     sync.Mutex
	addrs  map[string]*refusalCount
	other  *refusalCount // refusals from addresses beyond maxAddrs
	timer  *time.Timer   // set while counts wait for their period to end
	closed bool
}

type refusalCount struct {
	addr      string // "" for the addresses beyond maxAddrs
	transport string
	since     time.Time
	written   int
	counted   int
	reasons   map[string]int
}

func newRefusals(l *Logger, now func() time.Time) *refusals {
	return &refusals{l: l, now: now, period: RefusalPeriod, written: RefusalsWritten,
		maxAddrs: MaxRefusingAddresses, addrs: map[string]*refusalCount{}}
}

// Refused records a request refused before any tool ran, from r.Remote: in
// full while its address has written fewer than RefusalsWritten this
// period, otherwise in the address's summary (see RefusalPeriod).
func (l *Logger) Refused(r *Record) {
	if l.discard {
		return
	}
	l.refused.add(r)
}

func (f *refusals) add(r *Record) {
	addr := cutString(host(r.Remote), MaxFieldBytes)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		f.l.Write(r)
		return
	}
	now := f.now()
	c := f.addrs[addr]
	if c != nil && now.Sub(c.since) >= f.period {
		f.flush(c, now)
		delete(f.addrs, addr)
		c = nil
	}
	if c == nil {
		if len(f.addrs) < f.maxAddrs {
			c = &refusalCount{addr: addr, transport: r.Transport, since: now}
			f.addrs[addr] = c
		} else {
			if f.other != nil && now.Sub(f.other.since) >= f.period {
				f.flush(f.other, now)
				f.other = nil
			}
			if f.other == nil {
				// Only counted: the addresses that fill the table have
				// written their records already.
				f.other = &refusalCount{transport: r.Transport, since: now, written: f.written}
			}
			c = f.other
		}
		if f.timer == nil {
			f.timer = time.AfterFunc(f.period/4, f.tick)
		}
	}
	if c.written < f.written {
		c.written++
		f.l.Write(r)
		return
	}
	c.counted++
	key := cutString(r.ErrorClass+": "+r.Reason, maxReasonBytes)
	if r.Reason == "" {
		key = r.ErrorClass
	}
	if c.reasons == nil {
		c.reasons = map[string]int{}
	}
	if _, ok := c.reasons[key]; !ok && len(c.reasons) >= maxReasons {
		key = "other"
	}
	c.reasons[key]++
}

// tick writes the summaries of the periods that have ended and forgets
// their counts; it runs every quarter period while any count is kept, so a
// summary is written at most a quarter period late even when its address
// has gone quiet.
func (f *refusals) tick() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	now := f.now()
	for _, addr := range sortedKeys(f.addrs) {
		if c := f.addrs[addr]; now.Sub(c.since) >= f.period {
			f.flush(c, now)
			delete(f.addrs, addr)
		}
	}
	if f.other != nil && now.Sub(f.other.since) >= f.period {
		f.flush(f.other, now)
		f.other = nil
	}
	if len(f.addrs) == 0 && f.other == nil {
		f.timer = nil
		return
	}
	f.timer.Reset(f.period / 4)
}

// close writes every summary still being counted; refusals after it are
// written in full.
func (f *refusals) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.closed = true
	if f.timer != nil {
		f.timer.Stop()
	}
	now := f.now()
	for _, addr := range sortedKeys(f.addrs) {
		f.flush(f.addrs[addr], now)
	}
	if f.other != nil {
		f.flush(f.other, now)
	}
	f.addrs, f.other = nil, nil
}

// flush writes c's summary, if it counted anything. The caller holds f.mu.
func (f *refusals) flush(c *refusalCount, now time.Time) {
	if c.counted == 0 {
		return
	}
	from := c.addr
	if from == "" {
		from = fmt.Sprintf("addresses beyond the %d counted at once", f.maxAddrs)
	}
	since := c.since.UTC().Format(time.RFC3339Nano)
	reasons := zerolog.Dict()
	for _, k := range sortedKeys(c.reasons) {
		reasons = reasons.Int(k, c.reasons[k])
	}
	ev := f.l.log.Log().
		Str("log", "audit").
		Str("time", now.UTC().Format(time.RFC3339Nano)).
		Str("transport", c.transport).
		Str("outcome", Summary).
		Str("reason", fmt.Sprintf("%d more refused requests from %s since %s", c.counted, from, since))
	if c.addr != "" {
		ev = ev.Str("remote", c.addr)
	}
	ev.Int("refused", c.counted).Str("since", since).Dict("reasons", reasons).Send()
}

// host is the address a refusal is counted under: the client's IP address
// without its port, which changes with every connection.
func host(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
