package queue

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// idLen is the length of a message ID: sixteen hex digits of Unix
// nanoseconds, then eight random hex digits.
const idLen = 24

// newID returns an ID for a message created at t. last is the time part
// of the previous ID this queue gave; the time part is kept above it so
// that IDs are unique and sort in creation order within a process, even
// with a coarse or stopped clock. The random part keeps IDs of separate
// runs apart when the clock goes back.
func newID(t time.Time, last uint64) (string, uint64) {
	n := uint64(t.UnixNano())
	if n <= last {
		n = last + 1
	}
	return fmt.Sprintf("%016x%08x", n, rand.Uint32()), n
}

// validID reports whether s has the form of an ID, which is also what
// keeps a name from the control API from ever becoming a path.
func validID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
