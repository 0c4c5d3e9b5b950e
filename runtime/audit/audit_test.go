package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
