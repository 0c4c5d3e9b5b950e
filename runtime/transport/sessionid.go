package transport

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
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
}

func newSessionIDs(key []byte) *sessionIDs {
	return &sessionIDs{key: key}
}

// issue returns a new session id bound to caller.
func (k *sessionIDs) issue(caller string) string {
	var b [sessionRandLen + sessionMACLen]byte
	_, _ = rand.Read(b[:sessionRandLen])
	copy(b[sessionRandLen:], k.mac(caller, b[:sessionRandLen]))
	return sessionIDPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// check reports whether id was issued by this key to caller.
func (k *sessionIDs) check(id, caller string) bool {
	if len(id) != sessionIDLen || !strings.HasPrefix(id, sessionIDPrefix) {
		return false
	}
	// Strict: one id, one spelling (mcp-go keys its state by the text).
	b, err := base64.RawURLEncoding.Strict().DecodeString(id[len(sessionIDPrefix):])
	if err != nil || len(b) != sessionRandLen+sessionMACLen {
		return false
	}
	return hmac.Equal(b[sessionRandLen:], k.mac(caller, b[:sessionRandLen]))
}

func (k *sessionIDs) mac(caller string, random []byte) []byte {
	who := sha256.Sum256([]byte(caller))
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("mcpgen session v1|"))
	m.Write(who[:])
	m.Write([]byte("|"))
	m.Write(random)
	return m.Sum(nil)[:sessionMACLen]
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
