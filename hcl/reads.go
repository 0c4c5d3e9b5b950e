package hcl

import (
	"maps"
	"sync"
)

// Reads records the files file() read, by path (joined with the declaring
// file's directory), with the bytes read: nil for a file that was missing.
type Reads struct {
	mu    sync.Mutex
	files map[string][]byte
}

// add records one read; the last read of a path wins. A nil Reads records
// nothing (expressions evaluated outside a configuration).
func (r *Reads) add(path string, b []byte) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.files == nil {
		r.files = map[string][]byte{}
	}
	r.files[path] = b
}

// Files returns a copy of what was read so far, by path.
func (r *Reads) Files() map[string][]byte {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.files)
}
