package loadgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Classes of failed calls, as the report counts them.
const (
	ClassTransport = "transport"  // no answer: connection refused, reset, timeout
	ClassAnswer    = "bad answer" // not a JSON-RPC answer to the call
	ClassToolError = "tool error" // a result with isError: true
	ClassExpect    = "unexpected" // a result without the --expect text
)

func classHTTP(status int) string { return "http " + strconv.Itoa(status) }

func classRPC(code int) string { return "json-rpc " + strconv.Itoa(code) }

// message is what the client reads of a JSON-RPC message.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result *struct {
		IsError bool `json:"isError"`
	} `json:"result"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// failure is a failed call: its class and what it looked like.
type failure struct {
	class, detail string
}

func (f *failure) Error() string { return f.class + ": " + f.detail }

// check tells a good answer to call id from a failed one. An answer is
// good when it is a result, not a tool error, and holds expect (if any).
func check(raw []byte, id int64, expect []byte) *failure {
	if plainlyGood(raw, id, expect) {
		return nil
	}
	return checkDecoded(raw, id, expect)
}

// checkDecoded is check by encoding/json: the judge of every answer that
// plainlyGood does not pass, and the measure of plainlyGood in its tests.
func checkDecoded(raw []byte, id int64, expect []byte) *failure {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		return &failure{ClassAnswer, err.Error() + ": " + truncate(raw, 200)}
	}
	if string(m.ID) != strconv.FormatInt(id, 10) {
		return &failure{ClassAnswer, fmt.Sprintf("answer to id %s, want %d: %s", m.ID, id, truncate(raw, 200))}
	}
	switch {
	case m.Error != nil:
		return &failure{classRPC(m.Error.Code), m.Error.Message}
	case m.Result == nil:
		return &failure{ClassAnswer, "neither result nor error: " + truncate(raw, 200)}
	case m.Result.IsError:
		return &failure{ClassToolError, toolText(raw)}
	case len(expect) > 0 && !bytes.Contains(raw, expect) && !containsText(raw, expect):
		return &failure{ClassExpect, fmt.Sprintf("no %q in %s", expect, truncate(raw, 200))}
	}
	return nil
}

// containsText looks for expect in the decoded texts of the result, for
// an expected text that JSON escapes.
func containsText(raw, expect []byte) bool {
	var m struct {
		Result struct {
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"result"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	for _, c := range m.Result.Content {
		if bytes.Contains([]byte(c.Text), expect) {
			return true
		}
	}
	return false
}

func toolText(raw []byte) string {
	var m struct {
		Result struct {
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"result"`
	}
	if json.Unmarshal(raw, &m) == nil && len(m.Result.Content) > 0 {
		return truncate([]byte(m.Result.Content[0].Text), 200)
	}
	return truncate(raw, 200)
}

// isAnswerTo reports whether a message read from a stream is the answer
// to id, rather than a notification or a request from the server.
func isAnswerTo(raw []byte, id int64) bool {
	if plainlyGood(raw, id, nil) { // a plain answer, with no "method"
		return true
	}
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	return json.Unmarshal(raw, &m) == nil && m.Method == "" && string(m.ID) == strconv.FormatInt(id, 10)
}

// readSSE returns the data of the event on br that answers id, read into
// data; the server may send notifications (progress, logging) before it.
// On an error, it returns data for reuse all the same.
func readSSE(br *bufio.Reader, id int64, data []byte) ([]byte, error) {
	data = data[:0]
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A long data line: keep reading it whole.
			rest, err2 := br.ReadBytes('\n')
			line, err = append(append([]byte(nil), line...), rest...), err2
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0 && len(data) > 0:
			if isAnswerTo(data, id) {
				return data, nil
			}
			data = data[:0]
		case bytes.HasPrefix(line, []byte("data:")):
			d := bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" "))
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, d...)
		}
		if err != nil {
			if len(data) > 0 && isAnswerTo(data, id) {
				return data, nil
			}
			if err == io.EOF {
				return data, fmt.Errorf("the event stream ended without an answer to id %d", id)
			}
			return data, err
		}
	}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
