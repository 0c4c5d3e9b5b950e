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

	"github.com/mark3labs/mcp-go/mcp"
)

// Session ids are bound to the caller that opened the session, and the
// server checks them without remembering them: an id is a random part, what
// the client declared at initialize, and an HMAC-SHA256, under the session
// key, of the id's version, a hash of the caller and those two. Another
// caller's request with the id, or an id this key never issued, fails the
// check. Any process that holds the same key accepts the id, so sessions
// survive a restart and reach every replica that shares the key; and since
// the id carries what the client declared, a replica that never saw the
// initialize serves the session as the one that did (a confirmation is
// asked, not refused).
//
//	s2_ base64url(random, 16 bytes; declared, 2 bytes; MAC, first 16 bytes)
//
// Ids of the first version, issued before declarations were carried, are
// still accepted, declaring nothing, so sessions opened before an upgrade
// survive it:
//
//	s1_ base64url(random, 16 bytes; MAC, first 16 bytes)

const (
	sessionIDPrefix   = "s2_"
	sessionIDPrefixV1 = "s1_"
	sessionRandLen    = 16
	sessionDeclLen    = 2 // the protocol version's index, the capability flags
	sessionMACLen     = 16
	// MinSessionKeyBytes is the shortest session key accepted: as long as
	// the HMAC-SHA256 output, so the key is not the weak part.
	MinSessionKeyBytes = 32
)

var (
	sessionIDLen   = len(sessionIDPrefix) + base64.RawURLEncoding.EncodedLen(sessionRandLen+sessionDeclLen+sessionMACLen)
	sessionIDLenV1 = len(sessionIDPrefixV1) + base64.RawURLEncoding.EncodedLen(sessionRandLen+sessionMACLen)
)

// declared is what a client declared at initialize that a replica needs to
// serve its session: the protocol version negotiated, and the capabilities
// the server acts on. The zero value declares nothing (an s1_ id).
type declared struct {
	version uint8 // index in sessionVersions; 0: none recorded
	caps    uint8 // cap* flags
}

// sessionVersions are the protocol versions an id can name, by index. The
// indices are fixed for good, since replicas of different releases read
// each other's ids; the list is complete, 2025-11-25 being the last
// revision with initialize.
var sessionVersions = [...]string{
	1: mcp.ProtocolVersion20241105,
	2: mcp.ProtocolVersion20250326,
	3: mcp.ProtocolVersion20250618,
	4: mcp.ProtocolVersion20251125,
}

// The capability flags, named after the capabilities (capElicitationForm:
// elicitation.form). A sub-capability's flag is set only with its
// capability's.
const (
	capElicitation uint8 = 1 << iota
	capElicitationForm
	capElicitationURL
	capSampling
	capSamplingContext
	capSamplingTools
	capRoots
	capRootsListChanged
)

// declare reads what an initialize declared: the version mcp-go negotiated
// for it and the client's capabilities.
func declare(version string, caps mcp.ClientCapabilities) declared {
	var d declared
	for i, v := range sessionVersions {
		if i > 0 && v == version {
			d.version = uint8(i)
		}
	}
	set := func(flag uint8, on bool) {
		if on {
			d.caps |= flag
		}
	}
	if e := caps.Elicitation; e != nil {
		d.caps |= capElicitation
		set(capElicitationForm, e.Form != nil)
		set(capElicitationURL, e.URL != nil)
	}
	if s := caps.Sampling; s != nil {
		d.caps |= capSampling
		set(capSamplingContext, s.Context != nil)
		set(capSamplingTools, s.Tools != nil)
	}
	if r := caps.Roots; r != nil {
		d.caps |= capRoots
		set(capRootsListChanged, r.ListChanged)
	}
	return d
}

// valid reports whether d is spelt the one way declare writes it.
func (d declared) valid() bool {
	has := func(flag uint8) bool { return d.caps&flag != 0 }
	switch {
	case int(d.version) >= len(sessionVersions):
		return false
	case !has(capElicitation) && has(capElicitationForm|capElicitationURL),
		!has(capSampling) && has(capSamplingContext|capSamplingTools),
		!has(capRoots) && has(capRootsListChanged):
		return false
	}
	return true
}

// restore gives c what d declares, as the initialize it stands for did.
func (d declared) restore(c *clientState) {
	has := func(flag uint8) bool { return d.caps&flag != 0 }
	var caps mcp.ClientCapabilities
	if has(capElicitation) {
		caps.Elicitation = &mcp.ElicitationCapability{}
		if has(capElicitationForm) {
			caps.Elicitation.Form = &struct{}{}
		}
		if has(capElicitationURL) {
			caps.Elicitation.URL = &struct{}{}
		}
	}
	if has(capSampling) {
		caps.Sampling = &mcp.SamplingCapability{}
		if has(capSamplingContext) {
			caps.Sampling.Context = &struct{}{}
		}
		if has(capSamplingTools) {
			caps.Sampling.Tools = &struct{}{}
		}
	}
	if has(capRoots) {
		caps.Roots = &struct {
			ListChanged bool `json:"listChanged,omitempty"`
		}{ListChanged: has(capRootsListChanged)}
	}
	c.SetClientCapabilities(caps)
	c.SetProtocolVersion(sessionVersions[d.version])
}

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
	id  [sessionRandLen + sessionDeclLen + sessionMACLen]byte
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
	macVersion   = []byte("mcpgen session v2|")
	macVersionV1 = []byte("mcpgen session v1|")
	macSep       = []byte("|")
)

// issue returns a new session id bound to caller, carrying d.
func (k *sessionIDs) issue(caller string, d declared) string {
	const signed = sessionRandLen + sessionDeclLen
	var b [signed + sessionMACLen]byte
	_, _ = rand.Read(b[:sessionRandLen])
	b[sessionRandLen], b[sessionRandLen+1] = d.version, d.caps
	m := k.mac(macVersion, caller, b[:signed])
	copy(b[signed:], m.sum[:sessionMACLen])
	k.macs.Put(m)
	return sessionIDPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// check reports whether id was issued by this key to caller, and what it
// declares.
func (k *sessionIDs) check(id, caller string) (declared, bool) {
	version, signed := macVersion, sessionRandLen+sessionDeclLen
	switch {
	case len(id) == sessionIDLen && strings.HasPrefix(id, sessionIDPrefix):
	case len(id) == sessionIDLenV1 && strings.HasPrefix(id, sessionIDPrefixV1):
		version, signed = macVersionV1, sessionRandLen
	default:
		return declared{}, false
	}
	st := k.macs.Get().(*macState)
	defer k.macs.Put(st)
	st.buf = append(st.buf[:0], id[len(sessionIDPrefix):]...) // both prefixes are 3 bytes
	n, err := strictB64.Decode(st.id[:], st.buf)
	if err != nil || n != signed+sessionMACLen {
		return declared{}, false
	}
	m := k.macInto(st, version, caller, st.id[:signed])
	if !hmac.Equal(st.id[signed:n], m) {
		return declared{}, false
	}
	var d declared
	if signed > sessionRandLen {
		d = declared{version: st.id[sessionRandLen], caps: st.id[sessionRandLen+1]}
	}
	return d, d.valid()
}

// mac computes the MAC of signed for caller in a pooled state, which the
// caller puts back.
func (k *sessionIDs) mac(version []byte, caller string, signed []byte) *macState {
	st := k.macs.Get().(*macState)
	k.macInto(st, version, caller, signed)
	return st
}

func (k *sessionIDs) macInto(st *macState, version []byte, caller string, signed []byte) []byte {
	st.buf = append(st.buf[:0], caller...)
	st.who = sha256.Sum256(st.buf)
	st.h.Reset()
	st.h.Write(version)
	st.h.Write(st.who[:])
	st.h.Write(macSep)
	st.h.Write(signed)
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
