package transport

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"os"
	"strings"
	"sync"
)

// Session ids are bound to the caller that opened the session, and the
// server checks them without remembering them: an id is a random part and
// an HMAC-SHA256, under the session key, of the version, a hash of the
// caller and that random part. Another caller's request with the id, or an
// id this key never issued, fails the check. Any process that holds the
// same key accepts the id, so sessions survive a restart and reach every
// replica that shares the key.
//
//	s1_ base64url(random, 16 bytes) base64url(MAC, first 16 bytes)

const (
	sessionIDPrefix = "s1_"
	sessionRandLen  = 16
	sessionMACLen   = 16
	// MinSessionKeyBytes is the shortest session key accepted: as long as
	// the HMAC-SHA256 output, so the key is not the weak part.
	MinSessionKeyBytes = 32
)

var sessionIDLen = len(sessionIDPrefix) + base64.RawURLEncoding.EncodedLen(sessionRandLen+sessionMACLen)

// sessionIDs issues and checks session ids under one key.
type sessionIDs struct {
	key []byte
	// macs are keyed HMAC states with their buffers, reused: every
	// request on a session checks its id.
	macs sync.Pool
}

// macState is one HMAC computation's state and buffers.
type macState struct {
	h   hash.Hash
	who [sha256.Size]byte
	sum [sha256.Size]byte
	id  [sessionRandLen + sessionMACLen]byte
	buf []byte // the id's text, then the caller's
}

func newSessionIDs(key []byte) *sessionIDs {
	k := &sessionIDs{key: key}
	k.macs.New = func() any { return &macState{h: hmac.New(sha256.New, key)} }
	return k
}

// strictB64 decodes ids: one id, one spelling (mcp-go keys its state by
// the text).
var strictB64 = base64.RawURLEncoding.Strict()

var (
	macVersion = []byte("mcpgen session v1|")
	macSep     = []byte("|")
)

// issue returns a new session id bound to caller.
func (k *sessionIDs) issue(caller string) string {
	var b [sessionRandLen + sessionMACLen]byte
	_, _ = rand.Read(b[:sessionRandLen])
	m := k.mac(caller, b[:sessionRandLen])
	copy(b[sessionRandLen:], m.sum[:sessionMACLen])
	k.macs.Put(m)
	return sessionIDPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// check reports whether id was issued by this key to caller.
func (k *sessionIDs) check(id, caller string) bool {
	if len(id) != sessionIDLen || !strings.HasPrefix(id, sessionIDPrefix) {
		return false
	}
	st := k.macs.Get().(*macState)
	defer k.macs.Put(st)
	st.buf = append(st.buf[:0], id[len(sessionIDPrefix):]...)
	n, err := strictB64.Decode(st.id[:], st.buf)
	if err != nil || n != sessionRandLen+sessionMACLen {
		return false
	}
	m := k.macInto(st, caller, st.id[:sessionRandLen])
	return hmac.Equal(st.id[sessionRandLen:], m)
}

// mac computes the MAC of random for caller in a pooled state, which the
// caller puts back.
func (k *sessionIDs) mac(caller string, random []byte) *macState {
	st := k.macs.Get().(*macState)
	k.macInto(st, caller, random)
	return st
}

func (k *sessionIDs) macInto(st *macState, caller string, random []byte) []byte {
	st.buf = append(st.buf[:0], caller...)
	st.who = sha256.Sum256(st.buf)
	st.h.Reset()
	st.h.Write(macVersion)
	st.h.Write(st.who[:])
	st.h.Write(macSep)
	st.h.Write(random)
	return st.h.Sum(st.sum[:0])[:sessionMACLen]
}

// RandomSessionKey is a session key for one process: its sessions end
// with it, and other replicas do not accept them.
func RandomSessionKey() []byte {
	key := make([]byte, MinSessionKeyBytes)
	_, _ = rand.Read(key)
	return key
}

// ReadSessionKey reads a session key from a file: its bytes, without the
// trailing newline an editor or `echo` leaves. The error never quotes the
// file's content.
func ReadSessionKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key := []byte(strings.TrimRight(string(data), "\r\n"))
	if len(key) < MinSessionKeyBytes {
		return nil, fmt.Errorf("%s holds %d bytes; a session key needs at least %d (make one with: head -c 48 /dev/urandom | base64 > %s)",
			path, len(key), MinSessionKeyBytes, path)
	}
	if strings.TrimSpace(string(key)) == "" {
		return nil, errors.New(path + " holds only white space; a session key needs random bytes")
	}
	return key, nil
}
