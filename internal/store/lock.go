package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/axmail/axmail/internal/durable"
	"golang.org/x/sys/unix"
)

// LockFile is the name of the data-dir lock file.
const LockFile = "axd.lock"

// ErrLocked is returned by Lock when another process holds the lock.
var ErrLocked = errors.New("store: data directory is locked by another process")

// DirLock is a held data-dir lock.
type DirLock struct{ f *os.File }

// Lock takes the exclusive lock of a data dir without waiting. The lock
// file records the holder's pid and name, for the error message of the
// next one to try.
func Lock(dataDir, holder string) (*DirLock, error) {
	if err := durable.MakeDirs(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	path := filepath.Join(dataDir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		who, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			w := strings.TrimSpace(string(who))
			switch {
			case w != "" && recordedAlive(w):
				return nil, fmt.Errorf("%w (%s holds %s)", ErrLocked, w, path)
			case w != "":
				// The last process to record itself has exited: the holder
				// is one that does not (flock(1), say), or has not yet.
				return nil, fmt.Errorf("%w (%s; its last recorded holder, %s, has exited)", ErrLocked, path, w)
			}
			return nil, fmt.Errorf("%w (%s)", ErrLocked, path)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	// The content is informational; a failure to write it is not fatal.
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(holder+" pid "+strconv.Itoa(os.Getpid())+"\n"), 0)
	return &DirLock{f: f}, nil
}

// recordedAlive reports whether the process a lock file names ("<holder>
// pid <n>") still runs; a record it cannot read counts as alive.
func recordedAlive(who string) bool {
	_, pid, ok := strings.Cut(who, " pid ")
	if !ok {
		return true
	}
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return true
	}
	return unix.Kill(n, 0) != unix.ESRCH
}

// Unlock releases the lock.
func (l *DirLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing releases the flock
	l.f = nil
	return err
}
