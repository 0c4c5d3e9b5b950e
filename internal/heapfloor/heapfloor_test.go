package heapfloor

import (
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{0, 16 * mib, 400},         // nothing collected yet: the most the floor allows
		{1 * mib, 16 * mib, 400},   // 1600 would set the runtime's minimum heap to 64 MiB
		{4 * mib, 16 * mib, 400},   // goal 20 MiB
		{8 * mib, 16 * mib, 200},   // goal 24 MiB
		{10 * mib, 16 * mib, 160},  // goal 26 MiB
		{16 * mib, 16 * mib, 100},  // from here on, the runtime's default
		{200 * mib, 16 * mib, 100}, // never below it
		{1 * mib, 2 * mib, 100},    // a floor under the runtime's own minimum changes nothing
		{1 * mib, 64 * mib, 1600},
	} {
		if got := Percent(c.live, c.floor); got != c.want {
			t.Errorf("Percent(%d MiB live, %d MiB floor) = %d, want %d", c.live/mib, c.floor/mib, got, c.want)
		}
	}
}

// gogc is the GC percent the runtime works with now.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

var ballast [][]byte

// TestFloorFollowsLiveHeap runs real collections and checks that after
// each one the runtime's GC percent is the one Percent gives for what
// that collection left live, as the live heap grows past the floor and
// shrinks again.
func TestFloorFollowsLiveHeap(t *testing.T) {
	unsetGOGC(t)
	const floor = 16 << 20
	f, ok := Start(floor)
	if !ok {
		t.Fatal("Start did nothing with GOGC unset")
	}
	defer f.Stop()

	settle := func(what string) {
		t.Helper()
		// The floor adjusts on the cleanup goroutine after a collection;
		// wait for it to have seen the last one.
		deadline := time.Now().Add(10 * time.Second)
		for {
			runtime.GC()
			want := Percent(liveHeap(), floor)
			for i := 0; i < 100 && f.Percent() != want; i++ {
				time.Sleep(time.Millisecond)
			}
			if got := f.Percent(); got == want && gogc() == want {
				t.Logf("%s: live %.1f MiB, GOGC %d", what, float64(liveHeap())/(1<<20), want)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: live %d bytes: floor set %d, runtime has %d, want %d", what, liveHeap(), f.Percent(), gogc(), want)
			}
		}
	}
	settle("small heap")
	for i := 0; i < 40; i++ {
		ballast = append(ballast, make([]byte, 1<<20))
	}
	settle("40 MiB held")
	if p := f.Percent(); p != 100 {
		t.Errorf("40 MiB live: GOGC %d, want the default 100", p)
	}
	ballast = nil
	settle("released")
	if p := f.Percent(); p == 100 {
		t.Errorf("after release: GOGC still 100, want the floor's again")
	}
}

func TestStopPutsBackThePercent(t *testing.T) {
	unsetGOGC(t)
	before := gogc()
	f, ok := Start(16 << 20)
	if !ok {
		t.Fatal("Start did nothing with GOGC unset")
	}
	if gogc() == before {
		t.Fatalf("GOGC still %d after Start", before)
	}
	f.Stop()
	if got := gogc(); got != before {
		t.Errorf("after Stop GOGC is %d, want %d", got, before)
	}
	runtime.GC() // a cleanup armed before Stop must not set it again
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if got := gogc(); got != before {
		t.Errorf("a collection after Stop set GOGC to %d, want %d", got, before)
	}
}

func TestOperatorsGOGCWins(t *testing.T) {
	t.Setenv("GOGC", "100")
	before := gogc()
	if f, ok := Start(16 << 20); ok || f != nil {
		t.Fatal("Start took over although GOGC is set")
	}
	if got := gogc(); got != before {
		t.Errorf("GOGC changed from %d to %d", before, got)
	}
}

// unsetGOGC removes GOGC from the environment for the test and puts back
// what was there after it.
func unsetGOGC(t *testing.T) {
	t.Helper()
	t.Setenv("GOGC", "") // registers the restore
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
}
