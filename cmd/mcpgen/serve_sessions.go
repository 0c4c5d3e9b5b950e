package main

import (
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// callerFlags declares serve's flags for sessions and what callers may
// hold open, and returns where the session key file's path lands.
func callerFlags(fs *command, l *transport.CallerLimits) *string {
	keyFile := fs.String("session-key-file", "", "a file holding the key (at least 32 bytes) that signs session ids, so sessions survive a restart and work on every replica sharing it; without one a random key is used")
	fs.IntVar(&l.SessionsPerCaller, "max-sessions-per-caller", l.SessionsPerCaller, "sessions one caller (subject, or address when anonymous) may hold (429 above)")
	fs.IntVar(&l.Sessions, "max-sessions", l.Sessions, "sessions all callers together may hold (503 above)")
	fs.IntVar(&l.StreamsPerCaller, "max-streams-per-caller", l.StreamsPerCaller, "GET and subscriptions/listen streams one caller may hold open (429 above)")
	fs.IntVar(&l.Streams, "max-streams", l.Streams, "streams all callers together may hold open (503 above)")
	return keyFile
}

// sessionOptions checks the limits and reads the session key into o.
func sessionOptions(o *transport.HTTPOptions, keyFile string, stdio bool) error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"--max-sessions-per-caller", o.Limits.SessionsPerCaller}, {"--max-sessions", o.Limits.Sessions},
		{"--max-streams-per-caller", o.Limits.StreamsPerCaller}, {"--max-streams", o.Limits.Streams},
	} {
		if f.v <= 0 {
			return usageErrorf("serve: %s must be positive", f.name)
		}
	}
	if keyFile == "" {
		return nil
	}
	switch {
	case stdio:
		return usageErrorf("serve: --session-key-file signs HTTP session ids; a --stdio server has none")
	case o.Stateless:
		return usageErrorf("serve: --session-key-file signs session ids; a --stateless server issues none")
	}
	key, err := transport.ReadSessionKey(keyFile)
	if err != nil {
		return usageErrorf("serve: --session-key-file: %v", err)
	}
	o.SessionKey = key
	return nil
}
