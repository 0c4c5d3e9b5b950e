package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// Limits on one record, so that no request, however large, makes a line of
// any size: a 1 MB argument becomes a few hundred bytes, marked as cut.
const (
	// MaxArgsBytes bounds the JSON of a record's args, and of its binds.
	MaxArgsBytes = 4096
	// MaxValueBytes bounds each key and value of args or binds that are
	// over MaxArgsBytes: a string keeps its start, anything else is
	// replaced by its size.
	MaxValueBytes = 256
	// MaxFieldBytes bounds each string field (tool, subject, reason...),
	// before JSON escaping.
	MaxFieldBytes = 512
)

// ellipsis ends a cut string.
const ellipsis = "…"

// truncation notes what was cut from one record. A record that lost
// anything says so: "truncated" lists the fields, and args_bytes and
// binds_bytes give the size of the JSON that was cut.
type truncation struct {
	fields     []string
	argsBytes  int
	bindsBytes int
}

func (t *truncation) str(name, s string) string {
	if len(s) <= MaxFieldBytes {
		return s
	}
	t.fields = append(t.fields, name)
	return cutString(s, MaxFieldBytes)
}

// object encodes args or binds into (*buf)[:0], cut down to MaxArgsBytes
// when over it. The result is valid until the next use of buf.
func (t *truncation) object(name string, m map[string]any, buf *[]byte) []byte {
	b, err := appendObject((*buf)[:0], m)
	*buf = b
	if err == nil && len(b) <= MaxArgsBytes {
		return b
	}
	if err != nil {
		b = nil // as json.Marshal's result would be
	}
	t.fields = append(t.fields, name)
	if name == "args" {
		t.argsBytes = len(b)
	} else {
		t.bindsBytes = len(b)
	}
	return shrink(m)
}

// mark adds the notes of what was cut to a record's event.
func (t *truncation) mark(ev *zerolog.Event) *zerolog.Event {
	if len(t.fields) == 0 {
		return ev
	}
	ev = ev.Strs("truncated", t.fields)
	if t.argsBytes > 0 {
		ev = ev.Int("args_bytes", t.argsBytes)
	}
	if t.bindsBytes > 0 {
		ev = ev.Int("binds_bytes", t.bindsBytes)
	}
	return ev
}

// shrink encodes m in at most MaxArgsBytes: keys in sorted order, each key
// and value cut to MaxValueBytes, until the next one would not fit.
func shrink(m map[string]any) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var buf bytes.Buffer
	buf.WriteByte('{')
	for _, k := range keys {
		kb, _ := json.Marshal(cutString(k, MaxValueBytes)) // a string always encodes
		vb := shrinkValue(m[k])
		if buf.Len()+len(kb)+len(vb)+3 > MaxArgsBytes { // ',' ':' '}'
			break
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

func shrinkValue(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprintf("[a %T that cannot be encoded]", v))
		return b
	}
	if len(b) <= MaxValueBytes {
		return b
	}
	if s, ok := v.(string); ok {
		b, _ = json.Marshal(cutString(s, MaxValueBytes))
		return b
	}
	b, _ = json.Marshal(fmt.Sprintf("[%d bytes of JSON]", len(b)))
	return b
}

// cutString shortens s to at most n bytes, on a rune boundary, ending it
// with an ellipsis.
func cutString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n -= len(ellipsis)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + ellipsis
}
