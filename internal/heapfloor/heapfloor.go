// Package heapfloor keeps the Go heap from being collected while it is
// still small: below a floor of live data, each collection is put off
// until the heap has grown by the floor, not by what is live.
//
// The runtime starts a collection when the heap has grown by GOGC percent
// of what the last one left live, but never below 4 MiB at GOGC=100. A
// server whose live heap is 2 MiB and which allocates 20 KiB per call
// then collects every couple of hundred calls, and each collection scans
// the stacks and the globals of the whole binary however little is live:
// about a sixth of the server's CPU under load in issue 16's benchmark.
// With a floor, a small heap is collected when it has grown by the floor
// (16 MiB by default), and a heap whose live data is at least the floor
// is collected exactly as at GOGC=100: the floor costs at most its size
// in memory, never a multiple of the live heap.
//
// The operator's GOGC wins: when it is set, Start does nothing. GOMEMLIMIT
// still applies on top (the runtime collects early to stay under it).
package heapfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// DefaultFloor is the growth a small heap is allowed between collections.
const DefaultFloor = 16 << 20

// minHeap is the runtime's smallest heap goal at GOGC=100; it scales with
// GOGC, so a percent above floor/minHeap would raise the goal past the
// floor.
const minHeap = 4 << 20

// Percent is the GOGC that gives a heap with live bytes of live data a
// goal of live + max(live, floor): floor·100/live, at least 100 (the
// default) and at most floor·100/4 MiB (above which the runtime's own
// minimum heap would overshoot the floor).
func Percent(live, floor uint64) int {
	most := floor * 100 / minHeap
	if most < 100 {
		return 100
	}
	if live == 0 {
		return int(most)
	}
	p := floor * 100 / live
	switch {
	case p < 100:
		return 100
	case p > most:
		return int(most)
	}
	return int(p)
}

// Floor is a running heap floor: the GC percent is set again after every
// collection, from what that collection left live.
type Floor struct {
	floor uint64

	mu      sync.Mutex
	stopped bool
	percent int
	before  int // GOGC before Start, put back by Stop
	sample  []metrics.Sample
}

// Start keeps a floor of floor bytes under the heap goal until Stop, and
// reports whether it does: not when the GOGC environment variable is set,
// since the operator chose then.
func Start(floor uint64) (*Floor, bool) {
	if _, set := os.LookupEnv("GOGC"); set {
		return nil, false
	}
	f := &Floor{floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	now := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(now)
	f.before = int(now[0].Value.Uint64())
	f.adjust()
	return f, true
}

// Percent is the GC percent the floor set last.
func (f *Floor) Percent() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.percent
}

// Stop ends the floor and puts back the GC percent it found.
func (f *Floor) Stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return
	}
	f.stopped = true
	debug.SetGCPercent(f.before)
}

// adjust sets the percent for the live heap the last collection left, and
// arms itself for the next collection: a cleanup on a fresh object runs
// once the collection after it has found the object unreachable.
func (f *Floor) adjust() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return
	}
	metrics.Read(f.sample)
	live := uint64(0)
	if f.sample[0].Value.Kind() == metrics.KindUint64 {
		live = f.sample[0].Value.Uint64()
	}
	if p := Percent(live, f.floor); p != f.percent {
		debug.SetGCPercent(p)
		f.percent = p
	}
	runtime.AddCleanup(new(sentinel), func(f *Floor) { f.adjust() }, f)
}

// sentinel holds a pointer so that it is not put in the tiny allocator's
// blocks, whose objects may outlive the collection that could free them.
type sentinel struct {
	_ *byte
	_ [2]uintptr
}
