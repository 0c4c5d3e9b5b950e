package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// subscribeConfig has two static resources, a third no caller may read,
// and a tool whose description marks the version, so that every reload
// also changes the tool list.
func subscribeConfig(a, b string, v int) string {
	return fmt.Sprintf(`resource "hidden" {
  uri         = "test://hidden"
  description = "Nobody may read it."
  guard       = "'nobody' in principal.scopes"
  text        = "version %[3]d"
}

resource "a" {
  uri         = "test://a"
  description = "Watched."
  text        = %[1]q
}

resource "b" {
  uri         = "test://b"
  description = "Not watched."
  text        = %[2]q
}

tool "marker" {
  description = "Version %[3]d."
  content "text" {
    text = "v"
  }
}
`, a, b, v)
}

// TestResourceSubscriptions: a client subscribed to a resource hears
// notifications/resources/updated when a reload changes what it reads,
// and nothing for a resource it did not subscribe to, or after it
// unsubscribed. tools/list_changed, sent last in a reload, marks the end
// of what one reload says. A subscription to a resource the caller may
// not read is acknowledged like any other but never heard from, or it
// would tell the caller when that resource changes.
func TestResourceSubscriptions(t *testing.T) {
	for _, tr := range []struct {
		name  string
		start func(t *testing.T, path string) *server
	}{
		{"stdio", func(t *testing.T, path string) *server {
			return startStdioClient(t, mcp.ProtocolVersion20251125, nil, nil, "--watch", path)
		}},
		{"http", func(t *testing.T, path string) *server {
			cmd, url, logs := serveProcess(t, nil, "--listen", "127.0.0.1:0", "--watch", path)
			// What is not an answer comes on the session's GET stream,
			// which only this (deprecated) option opens.
			//lint:ignore SA1019 the GET stream is what a 2025-11-25 client hears updates on
			tr, err := transport.NewStreamableHTTP(url, transport.WithContinuousListening())
			if err != nil {
				t.Fatal(err)
			}
			c := client.NewClient(tr)
			if err := c.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			initializeVersion(t, c, mcp.ProtocolVersion20251125)
			return &server{client: c, cmd: cmd, logs: logs, url: url}
		}},
	} {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			conf := newConfigFile(t, t.TempDir(), "subscribe.hcl", subscribeConfig("one", "one", 0))
			s := tr.start(t, conf.path)
			heard := notifications(s.client)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			sub := mcp.SubscribeRequest{}
			sub.Params.URI = "test://a"
			//lint:ignore SA1019 resources/subscribe is how a 2025-11-25 client subscribes, and what this tests
			if err := s.client.Subscribe(ctx, sub); err != nil {
				t.Fatal(err)
			}
			sub.Params.URI = "test://hidden"
			//lint:ignore SA1019 as above
			if err := s.client.Subscribe(ctx, sub); err != nil {
				t.Fatal(err)
			}
			// until returns the resources/updated URIs heard before the
			// next tools/list_changed.
			until := func() []string {
				t.Helper()
				var uris []string
				for {
					select {
					case n := <-heard:
						switch n.Method {
						case "notifications/resources/updated":
							uris = append(uris, fmt.Sprint(n.Params.AdditionalFields["uri"]))
						case "notifications/tools/list_changed":
							return uris
						}
					case <-ctx.Done():
						t.Fatalf("no tools/list_changed; resources/updated for %v", uris)
					}
				}
			}
			conf.replace(t, subscribeConfig("two", "two", 1))
			if got := fmt.Sprint(until()); got != "[test://a]" {
				t.Errorf("changing a and b: updated %s, want [test://a]", got)
			}
			conf.replace(t, subscribeConfig("two", "three", 2))
			if got := until(); len(got) != 0 {
				t.Errorf("changing b alone: updated %v, want nothing", got)
			}
			unsub := mcp.UnsubscribeRequest{}
			unsub.Params.URI = "test://a"
			//lint:ignore SA1019 as Subscribe above
			if err := s.client.Unsubscribe(ctx, unsub); err != nil {
				t.Fatal(err)
			}
			conf.replace(t, subscribeConfig("four", "three", 3))
			if got := until(); len(got) != 0 {
				t.Errorf("after unsubscribing: updated %v, want nothing", got)
			}
		})
	}
}
