package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// notifications collects what a client hears.
func notifications(c *client.Client) <-chan mcp.JSONRPCNotification {
	ch := make(chan mcp.JSONRPCNotification, 1000)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		select {
		case ch <- n:
		default: // a test that stopped listening
		}
	})
	return ch
}

// notifyTransports are the ways TestCallLogging and TestProgressKeepAlive
// reach the server: stdio, and an HTTP session (its call's own stream).
var notifyTransports = []struct {
	name  string
	start func(t *testing.T, args ...string) *server
}{
	{"stdio", func(t *testing.T, args ...string) *server {
		return startStdioClient(t, mcp.LATEST_PROTOCOL_VERSION, nil, nil, args...)
	}},
	// 2026-07-28: each request has a stream of its own. Up to 2025-11-25
	// mcp-go shares a session's notification queue between its requests,
	// and the forwarder of a request that just ended can take a
	// notification of the next one and drop it.
	{"http", func(t *testing.T, args ...string) *server {
		return startHTTPClient(t, mcp.ProtocolVersion20260728, nil, nil, nil, append([]string{"--insecure-no-auth"}, args...)...)
	}},
}

// TestCallLogging: a session that set a log level hears each call start,
// run and finish with its outcome, and nothing below its level; no message
// carries an argument's value.
func TestCallLogging(t *testing.T) {
	for _, tr := range notifyTransports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, "testdata/e2e/notify.hcl")
			heard := notifications(s.client)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			setLevel := func(level mcp.LoggingLevel) {
				req := mcp.SetLevelRequest{}
				req.Params.Level = level
				//lint:ignore SA1019 logging/setLevel is what sessions up to 2025-11-25 use, and what this tests
				if err := s.client.SetLevel(ctx, req); err != nil {
					t.Fatal(err)
				}
			}
			// At the default level (error) a good call says nothing.
			ok(t, call(t, s.client, "other", nil))
			setLevel(mcp.LoggingLevelDebug)
			ok(t, call(t, s.client, "lookup", map[string]any{"code": "hunter2-secret"}))
			var got []map[string]any
			for done := false; !done; {
				select {
				case n := <-heard:
					if n.Method != "notifications/message" {
						continue
					}
					data, _ := n.Params.AdditionalFields["data"].(map[string]any)
					raw, _ := json.Marshal(n.Params.AdditionalFields)
					if strings.Contains(string(raw), "hunter2") {
						t.Errorf("a log message carries an argument's value: %s", raw)
					}
					if data["tool"] == "other" {
						t.Errorf("heard %s at the default level", raw)
					}
					got = append(got, data)
					done = data["message"] == "call finished"
				case <-ctx.Done():
					t.Fatalf("no \"call finished\" message; heard %v", got)
				}
			}
			var msgs []string
			for _, d := range got {
				msgs = append(msgs, d["message"].(string))
			}
			if strings.Join(msgs, ", ") != "call started, running, result, call finished" {
				t.Errorf("heard %q", msgs)
			}
			if last := got[len(got)-1]; last["outcome"] != "ok" || last["rows"] != 1.0 || last["request_id"] == "" {
				t.Errorf("call finished with %v", last)
			}
		})
	}
}

// TestProgressKeepAlive: a call that carries a progress token hears
// increasing progress while its statement runs, so a client that resets
// its timeout on progress keeps waiting.
func TestProgressKeepAlive(t *testing.T) {
	for _, tr := range notifyTransports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, "--progress-interval", "20ms", "testdata/e2e/notify.hcl")
			heard := notifications(s.client)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			answered := make(chan error, 1)
			go func() {
				req := mcp.CallToolRequest{}
				req.Params.Name = "forever"
				req.Params.Meta = &mcp.Meta{ProgressToken: "report-7"}
				_, err := s.client.CallTool(ctx, req)
				answered <- err
			}()
			last, keepAlives := -1.0, 0
			timeout := time.After(60 * time.Second)
			for keepAlives < 3 {
				select {
				case n := <-heard:
					if n.Method != "notifications/progress" {
						continue
					}
					f := n.Params.AdditionalFields
					p, _ := f["progress"].(float64)
					if f["progressToken"] != "report-7" || p <= last {
						t.Fatalf("progress %v after %v", f, last)
					}
					last = p
					if msg, _ := f["message"].(string); strings.HasSuffix(msg, "still running") {
						keepAlives++
					}
				case err := <-answered:
					t.Fatalf("the call ended (%v) before three keep-alives", err)
				case <-timeout:
					t.Fatalf("three keep-alives did not come; last progress %v", last)
				}
			}
			cancel()
			<-answered
		})
	}
}
