package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRecordLine(t *testing.T) {
	var buf bytes.Buffer
	New(&buf).Write(&Record{
		RequestID: "r1", SessionID: "s1", Transport: "http", Subject: "alice", Tool: "get_order",
		Args: map[string]any{"order_id": int64(1042)}, Binds: map[string]any{"org": "acme"},
		Outcome: Error, ErrorClass: "backend", Rows: 0, Bytes: 12, Duration: 1500 * time.Microsecond,
	})
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON line: %q", buf.String())
	}
	want := map[string]any{
		"log": "audit", "request_id": "r1", "session_id": "s1", "transport": "http", "subject": "alice",
		"tool": "get_order", "args": map[string]any{"order_id": 1042.0}, "binds": map[string]any{"org": "acme"},
		"outcome": "error", "error_class": "backend", "rows": 0.0, "bytes": 12.0, "duration_ms": 1.5,
	}
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, got["time"].(string)); err != nil {
		t.Errorf("time: %v", err)
	}
	if strings.Count(buf.String(), "\n") != 1 {
		t.Errorf("want exactly one line, got %q", buf.String())
	}
}

func TestRecordUpstream(t *testing.T) {
	for _, tc := range []struct {
		rec  Record
		want string
	}{
		{Record{Tool: "sql_tool", Outcome: OK}, ""},
		{Record{Tool: "http_tool", Outcome: Error, UpstreamStatus: 503, Attempts: 3}, `"upstream_status":503,"attempts":3`},
		{Record{Tool: "http_tool", Outcome: Error, Attempts: 2}, `"upstream_status":0,"attempts":2`},
	} {
		var buf bytes.Buffer
		New(&buf).Write(&tc.rec)
		has := strings.Contains(buf.String(), "attempts")
		if tc.want == "" && has || tc.want != "" && !strings.Contains(buf.String(), tc.want) {
			t.Errorf("%+v: got %s, want %q", tc.rec, buf.String(), tc.want)
		}
	}
}

func TestFileRotation(t *testing.T) {
	for _, fsync := range []string{"always", "interval", "never"} {
		t.Run(fsync, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.log")
			f, err := OpenFile(FileOptions{Path: path, Fsync: fsync, MaxSize: 1000, MaxFiles: 2})
			if err != nil {
				t.Fatal(err)
			}
			l := New(f)
			for i := range 40 {
				l.Write(&Record{RequestID: fmt.Sprint(i), Tool: "t", Outcome: OK})
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			// Every file is under the cap, the oldest were dropped, and the
			// newest records are all there, whole, in order.
			var ids []string
			for _, name := range []string{path + ".2", path + ".1", path} {
				st, err := os.Stat(name)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if st.Size() > 1000 {
					t.Errorf("%s is %d bytes, over the 1000-byte cap", name, st.Size())
				}
				if st.Mode().Perm() != 0o600 {
					t.Errorf("%s has mode %v, want 0600", name, st.Mode().Perm())
				}
				data, _ := os.ReadFile(name)
				sc := bufio.NewScanner(bytes.NewReader(data))
				for sc.Scan() {
					var r map[string]any
					if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
						t.Fatalf("%s: a cut line %q", name, sc.Text())
					}
					ids = append(ids, r["request_id"].(string))
				}
			}
			if _, err := os.Stat(path + ".3"); !os.IsNotExist(err) {
				t.Errorf("%s.3 exists: max_files is 2", path)
			}
			if len(ids) == 0 || ids[len(ids)-1] != "39" {
				t.Fatalf("records %v do not end with the last one", ids)
			}
			for i := 1; i < len(ids); i++ {
				var a, b int
				fmt.Sscan(ids[i-1], &a)
				fmt.Sscan(ids[i], &b)
				if b != a+1 {
					t.Fatalf("records out of order or missing: %v", ids)
				}
			}
		})
	}
}

func TestFileAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	for i := range 2 {
		f, err := OpenFile(FileOptions{Path: path, Fsync: "never", MaxSize: 1 << 20, MaxFiles: 1})
		if err != nil {
			t.Fatal(err)
		}
		New(f).Write(&Record{RequestID: fmt.Sprint(i), Outcome: OK})
		f.Close()
	}
	data, _ := os.ReadFile(path)
	if n := strings.Count(string(data), "\n"); n != 2 {
		t.Errorf("reopening lost records: %d lines, want 2", n)
	}
}

// lines parses what a logger wrote, failing on anything but whole JSON
// objects, one a line.
func lines(t *testing.T, data string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(data) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not a whole JSON line: %.200q", line)
		}
		out = append(out, r)
	}
	return out
}

// TestRecordCapped: whatever a record holds, its line is one JSON object
// of bounded size, and a record that lost something says what and how much.
func TestRecordCapped(t *testing.T) {
	big := strings.Repeat("x", 169_000)
	many := map[string]any{}
	for i := range 500 {
		many[fmt.Sprintf("k%03d", i)] = strings.Repeat("v", 20)
	}
	tests := []struct {
		name      string
		rec       Record
		truncated []string
		check     func(t *testing.T, got map[string]any)
	}{
		{name: "small", rec: Record{Tool: "t", Args: map[string]any{"a": 1.0}}, check: func(t *testing.T, got map[string]any) {
			if fmt.Sprint(got["args"]) != "map[a:1]" || got["args_bytes"] != nil {
				t.Errorf("a small record changed: %v", got)
			}
		}},
		{name: "one huge string", rec: Record{Tool: "t", Args: map[string]any{"order_id": 1002.0, "reason": big}},
			truncated: []string{"args"}, check: func(t *testing.T, got map[string]any) {
				args := got["args"].(map[string]any)
				reason, _ := args["reason"].(string)
				if args["order_id"] != 1002.0 || !strings.HasPrefix(reason, "xxxx") || !strings.HasSuffix(reason, "…") || len(reason) > MaxValueBytes {
					t.Errorf("args = %.300v: want order_id kept and reason cut to its start", args)
				}
				if got["args_bytes"] != float64(len(big)+len(`{"order_id":1002,"reason":""}`)) {
					t.Errorf("args_bytes = %v", got["args_bytes"])
				}
			}},
		{name: "many keys", rec: Record{Tool: "t", Args: many}, truncated: []string{"args"}, check: func(t *testing.T, got map[string]any) {
			args := got["args"].(map[string]any)
			if len(args) == 0 || len(args) == len(many) || args["k000"] == nil {
				t.Errorf("%d of %d keys kept, want the first ones in order", len(args), len(many))
			}
		}},
		{name: "nested", rec: Record{Tool: "t", Args: map[string]any{"ids": make([]any, 5000)}}, truncated: []string{"args"},
			check: func(t *testing.T, got map[string]any) {
				if s, _ := got["args"].(map[string]any)["ids"].(string); !strings.Contains(s, "bytes of JSON") {
					t.Errorf("a large array became %q, want its size", s)
				}
			}},
		{name: "binds and strings", rec: Record{Tool: strings.Repeat("é", 1000), Reason: big, Binds: map[string]any{"org": big}, Args: map[string]any{}},
			truncated: []string{"tool", "binds", "reason"}, check: func(t *testing.T, got map[string]any) {
				tool := got["tool"].(string)
				if len(tool) > MaxFieldBytes || !utf8.ValidString(tool) || !strings.HasSuffix(tool, "é…") {
					t.Errorf("tool cut badly: %q", tool)
				}
				if got["binds_bytes"] == nil || got["args_bytes"] != nil {
					t.Errorf("sizes: binds_bytes %v args_bytes %v", got["binds_bytes"], got["args_bytes"])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			New(&buf).Write(&tt.rec)
			if n := buf.Len(); n > 2*MaxArgsBytes+10*MaxFieldBytes {
				t.Errorf("the line is %d bytes", n)
			}
			recs := lines(t, buf.String())
			if len(recs) != 1 {
				t.Fatalf("%d lines, want 1", len(recs))
			}
			got := recs[0]
			var truncated []string
			for _, f := range asSlice(got["truncated"]) {
				truncated = append(truncated, f.(string))
			}
			if fmt.Sprint(truncated) != fmt.Sprint(tt.truncated) && (len(truncated) > 0 || len(tt.truncated) > 0) {
				t.Errorf("truncated = %v, want %v", truncated, tt.truncated)
			}
			tt.check(t, got)
		})
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// refusedLogger is a Logger whose refusal counts follow clock; its ticker
// is not armed, so periods end only when refusals or Close say so.
func refusedLogger(w io.Writer, clock *fakeClock) *Logger {
	l := New(w)
	l.refused.now = clock.now
	l.refused.period = time.Hour // the ticker, on the real clock, never fires in a test
	return l
}

func refusal(remote, class, reason string) *Record {
	return &Record{Transport: "http", Remote: remote, Outcome: Denied, ErrorClass: class, Reason: reason}
}

// TestRefusedSummarized: past the first few refusals from an address in a
// period, the rest are counted and summed up in one record, written when
// the next refusal comes after the period or when the logger closes.
func TestRefusedSummarized(t *testing.T) {
	var buf bytes.Buffer
	clock := &fakeClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	l := refusedLogger(&buf, clock)
	for i := range 100 {
		reason := "missing credentials"
		if i%4 == 0 {
			reason = "token expired"
		}
		l.Refused(refusal(fmt.Sprintf("203.0.113.9:%d", 40000+i), "authentication", reason))
	}
	l.Refused(refusal("198.51.100.7:5000", "scope", "missing scopes: orders.read"))
	if recs := lines(t, buf.String()); len(recs) != RefusalsWritten+1 {
		t.Fatalf("%d records for 101 refusals, want %d in full", len(recs), RefusalsWritten+1)
	}
	clock.advance(time.Hour)
	l.Refused(refusal("203.0.113.9:50000", "authentication", "missing credentials"))
	recs := lines(t, buf.String())
	if len(recs) != RefusalsWritten+3 {
		t.Fatalf("%d records, want the summary and the first refusal of the next period", len(recs))
	}
	sum, next := recs[RefusalsWritten+1], recs[RefusalsWritten+2]
	wantReasons := `{"authentication: missing credentials":72,"authentication: token expired":23}`
	if reasons, _ := json.Marshal(sum["reasons"]); sum["outcome"] != Summary || sum["remote"] != "203.0.113.9" ||
		sum["refused"] != 95.0 || string(reasons) != wantReasons || sum["since"] != "2026-12-01T12:00:00Z" ||
		!strings.HasPrefix(sum["reason"].(string), "95 more refused requests from 203.0.113.9 since") {
		t.Errorf("summary = %v, want 95 refusals from 203.0.113.9 with reasons %s", sum, wantReasons)
	}
	if next["outcome"] != Denied || next["remote"] != "203.0.113.9:50000" {
		t.Errorf("after the summary: %v, want the refusal in full", next)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(lines(t, buf.String())); n != RefusalsWritten+3 {
		t.Errorf("Close wrote %d more records; nothing was left to sum up", n-(RefusalsWritten+3))
	}
}

// TestRefusedBounded: the addresses counted at once are capped; refusals
// from more share one count, summed up at Close with the others.
func TestRefusedBounded(t *testing.T) {
	var buf bytes.Buffer
	l := refusedLogger(&buf, &fakeClock{t: time.Now()})
	l.refused.maxAddrs = 3
	for a := range 10 {
		for range 7 {
			l.Refused(refusal(fmt.Sprintf("10.0.0.%d:1", a), "authentication", "missing credentials"))
		}
	}
	if got, want := len(lines(t, buf.String())), 3*RefusalsWritten; got != want {
		t.Fatalf("%d records in full, want %d: 3 addresses tracked, the rest only counted", got, want)
	}
	if n := len(l.refused.addrs); n != 3 {
		t.Errorf("%d addresses tracked, want the cap of 3", n)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	recs := lines(t, buf.String())[3*RefusalsWritten:]
	var counted []string
	for _, r := range recs {
		counted = append(counted, fmt.Sprint(r["remote"], "=", r["refused"]))
	}
	if want := "[10.0.0.0=2 10.0.0.1=2 10.0.0.2=2 <nil>=49]"; fmt.Sprint(counted) != want {
		t.Errorf("summaries %v, want %s", counted, want)
	}
}

// signalWriter tells a test each time a line is written.
type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return w.buf.Write(p)
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestRefusedTicker: an address that goes quiet still gets its summary,
// from the ticker, without another refusal; Close stops the ticker.
func TestRefusedTicker(t *testing.T) {
	w := &signalWriter{wrote: make(chan struct{}, 1)}
	l := New(w)
	l.refused.period = 40 * time.Millisecond
	for range RefusalsWritten + 3 {
		l.Refused(refusal("192.0.2.1:1", "authentication", "missing credentials"))
	}
	for !strings.Contains(w.String(), `"outcome":"summary"`) {
		<-w.wrote
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	recs := lines(t, w.String())
	if last := recs[len(recs)-1]; last["refused"] != 3.0 || len(recs) != RefusalsWritten+1 {
		t.Errorf("records %v, want %d in full and one summary of 3", recs, RefusalsWritten)
	}
	if tm := l.refused.timer; tm != nil && tm.Stop() {
		t.Error("the ticker was still armed after Close")
	}
}

// TestRefusedReasonsBounded: a summary counts a bounded number of distinct
// reasons, each of bounded length; the rest count as "other".
func TestRefusedReasonsBounded(t *testing.T) {
	var buf bytes.Buffer
	l := refusedLogger(&buf, &fakeClock{t: time.Now()})
	for i := range RefusalsWritten + 40 {
		l.Refused(refusal("192.0.2.9:1", "parse", fmt.Sprintf("reason %d %s", i, strings.Repeat("y", 1000))))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	recs := lines(t, buf.String())
	reasons := recs[len(recs)-1]["reasons"].(map[string]any)
	if len(reasons) != maxReasons+1 || reasons["other"] != 40.0-maxReasons {
		t.Errorf("%d reasons, other = %v; want %d and %d", len(reasons), reasons["other"], maxReasons+1, 40-maxReasons)
	}
	for k := range reasons {
		if len(k) > maxReasonBytes {
			t.Errorf("a reason of %d bytes", len(k))
		}
	}
}

// TestIntervalSyncDoesNotHoldWrites: with fsync = "interval", records are
// written while the periodic fsync runs, however long it takes, instead
// of every call waiting for it.
func TestIntervalSyncDoesNotHoldWrites(t *testing.T) {
	syncing, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	slowSync := func(f *os.File) error {
		once.Do(func() {
			close(syncing)
			<-release // the first fsync lasts until the records below are written
		})
		return f.Sync()
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	f, err := openFile(FileOptions{Path: path, Fsync: "interval", MaxSize: 1 << 20, MaxFiles: 1}, time.Millisecond, slowSync)
	if err != nil {
		t.Fatal(err)
	}
	l := New(f)
	l.Write(&Record{RequestID: "before", Tool: "t", Outcome: OK}) // makes the file dirty
	<-syncing
	written := make(chan struct{})
	go func() {
		for i := range 10 {
			l.Write(&Record{RequestID: fmt.Sprint("during-", i), Tool: "t", Outcome: OK})
		}
		close(written)
	}()
	select {
	case <-written:
	case <-time.After(30 * time.Second):
		t.Fatal("records waited for the periodic fsync to end")
	}
	close(release)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 11 {
		t.Errorf("%d records in the file, want 11:\n%s", n, data)
	}
}
