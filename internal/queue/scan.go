package queue

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

// Names in the queue directory that are the queue's own.
const (
	lockName    = ".lock"
	corruptName = "corrupt"
)

// lockDir takes the queue's flock without waiting.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("queue: lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, dir)
		}
		return nil, fmt.Errorf("queue: lock %s: %w", dir, err)
	}
	return f, nil
}

// scan loads every message file, removes temp files left by a crash and
// moves corrupt message files aside. Foreign files are logged and left
// alone. An I/O error other than corruption fails Open: a message that
// cannot be read now is not to be hidden.
func (q *Queue) scan() error {
	entries, err := os.ReadDir(q.dir)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	changed := false
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(q.dir, name)
		switch {
		case name == lockName || (name == corruptName && e.IsDir()):
		case strings.HasSuffix(name, tmpSuffix) && validID(strings.TrimSuffix(name, tmpSuffix)) && e.Type().IsRegular():
			// Never acknowledged: Enqueue returns only after the rename.
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("queue: remove temp file: %w", err)
			}
			q.log.Info("leftover temp file removed", "file", name)
			changed = true
		case strings.HasSuffix(name, msgSuffix) && validID(strings.TrimSuffix(name, msgSuffix)) && e.Type().IsRegular():
			m, err := loadFile(path)
			if err == nil && m.ID != strings.TrimSuffix(name, msgSuffix) {
				err = corruptf("file holds message %s", m.ID)
			}
			if errors.Is(err, ErrCorrupt) {
				if err := q.moveAside(name); err != nil {
					return err
				}
				q.log.Error("corrupt queue file moved aside", "file", name, "to", filepath.Join(corruptName, name), "err", err)
				changed = true
				continue
			}
			if err != nil {
				return fmt.Errorf("queue: load %s: %w", name, err)
			}
			q.msgs[m.ID] = m
		default:
			q.log.Warn("foreign file in queue directory left alone", "file", name)
		}
	}
	if changed {
		if err := durable.SyncDir(q.dir); err != nil {
			return fmt.Errorf("queue: %w", err)
		}
	}
	return nil
}

// moveAside moves a corrupt file into corrupt/, keeping it for inspection.
func (q *Queue) moveAside(name string) error {
	dir := filepath.Join(q.dir, corruptName)
	if err := durable.MakeDirs(dir, 0o700); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	// An earlier file of the same name stays: never overwrite evidence.
	to := filepath.Join(dir, name)
	for i := 1; ; i++ {
		if _, err := os.Lstat(to); errors.Is(err, os.ErrNotExist) {
			break
		}
		to = filepath.Join(dir, name+"."+strconv.Itoa(i))
	}
	if err := os.Rename(filepath.Join(q.dir, name), to); err != nil {
		return fmt.Errorf("queue: move aside: %w", err)
	}
	return durable.SyncDir(dir)
}

// idTime is the time part of a valid ID.
func idTime(id string) uint64 {
	n, _ := strconv.ParseUint(id[:16], 16, 64)
	return n
}
