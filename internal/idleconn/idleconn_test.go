//go:build unix

package idleconn

import (
	"net"
	"testing"
	"time"
)

// pair is a connected TCP pair on 127.0.0.1: ours and the peer's end.
func pair(t *testing.T) (ours, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	ours, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer = <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { ours.Close(); peer.Close() })
	return ours, peer
}

// settle waits for what the peer did to reach our socket: loopback
// delivers at once, but a test must not rely on that.
func settle(t *testing.T, c *Check) {
	t.Helper()
	for range 200 {
		if !c.Usable() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCheck(t *testing.T) {
	t.Run("idle and quiet", func(t *testing.T) {
		ours, _ := pair(t)
		var c Check
		c.Reset(ours)
		// A read deadline in the past, as the last exchange may leave it,
		// does not make a quiet connection look closed.
		_ = ours.SetReadDeadline(time.Now().Add(-time.Second))
		if !c.Usable() {
			t.Fatal("a quiet idle connection is not usable")
		}
	})
	t.Run("peer spoke unasked", func(t *testing.T) {
		ours, peer := pair(t)
		var c Check
		c.Reset(ours)
		if _, err := peer.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		settle(t, &c)
		if c.Usable() {
			t.Fatal("a connection with an unasked byte waiting is usable")
		}
		// Peeking took nothing: the byte is still there to read.
		_ = ours.SetReadDeadline(time.Now().Add(5 * time.Second))
		b := make([]byte, 1)
		if n, err := ours.Read(b); n != 1 || b[0] != 'x' {
			t.Fatalf("read %d %q, %v after the peek; want the byte", n, b[:n], err)
		}
	})
	t.Run("peer closed", func(t *testing.T) {
		ours, peer := pair(t)
		var c Check
		c.Reset(ours)
		peer.Close()
		settle(t, &c)
		if c.Usable() {
			t.Fatal("a connection the peer closed is usable")
		}
	})
	t.Run("nothing to look at", func(t *testing.T) {
		var c Check
		if !c.Usable() {
			t.Fatal("the zero Check finds a connection unusable")
		}
		c.Reset(nil)
		if !c.Usable() {
			t.Fatal("a Check reset to nothing finds a connection unusable")
		}
	})
}

func TestUsableAllocatesNothing(t *testing.T) {
	ours, _ := pair(t)
	var c Check
	c.Reset(ours)
	if n := testing.AllocsPerRun(100, func() { c.Usable() }); n != 0 {
		t.Fatalf("Usable allocates %v times", n)
	}
}
