package store

import (
	"fmt"
	"os"
	"slices"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// activeContainer is the one file the committer appends to, from its
// creation (or reopening at start) until it is full, sealed for a
// compaction, or given up after an I/O error.
type activeContainer struct {
	id   uint64
	path string
	f    *os.File
	size int64 // end of the last acknowledged group
	// zeroed is where the file ends: the written records, then zeros
	// (zerofill.go); filling is the fill under way, zeroErr one that failed.
	zeroed  int64
	filling *zeroFill
	zeroErr error
	// meanGroup is a moving mean of the bytes each group wrote: zeros
	// are laid ahead only while it is small (zerofill.go).
	meanGroup int64
}

// cutActive truncates the active container back to size, durably: what
// it cuts is a synced group that was not acknowledged, which a replay
// after a power loss must not find again.
func cutActive(a *activeContainer, size int64) error {
	a.waitZeros()
	a.zeroed = size
	if err := a.f.Truncate(size); err != nil {
		return err
	}
	return unix.Fdatasync(int(a.f.Fd()))
}

// ensureActive makes sure there is an active container with room for n
// more bytes (a record larger than a container gets one of its own).
func (w *committer) ensureActive(n int64) error {
	s := w.s
	if w.active == nil {
		if err := w.openActive(); err != nil {
			return err
		}
	}
	if a := w.active; a != nil && (a.size+n <= s.opts.ContainerSize || a.size == containerHeaderSize) {
		return nil
	}
	// The groups in the old container are indexed before it is left, so
	// that a replay only ever reads the active one.
	if err := w.commitPending(); err != nil {
		return err
	}
	if w.active != nil {
		w.abandoned = append(w.abandoned, w.active.id) // sealed with the next commit
		w.closeActive()
	}
	return w.createActive()
}

// seal closes the active container and marks it sealed, so that
// compaction may take it; the next append starts a new one.
func (w *committer) seal() error {
	if w.active == nil {
		if err := w.openActive(); err != nil {
			return err
		}
	}
	if w.active == nil {
		return nil
	}
	id := w.active.id
	err := w.s.db.Update(func(tx *bolt.Tx) error {
		cs := tx.Bucket(bucketContainers)
		cv, err := decodeContainer(cs.Get(u64key(id)))
		if err != nil {
			return err
		}
		cv.Sealed = true
		if err := cs.Put(u64key(id), cv.encode()); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete(keyActive)
	})
	if err != nil {
		return err
	}
	w.closeActive()
	return nil
}

// openActive reopens the active container recorded in the index, if any.
func (w *committer) openActive() error {
	s := w.s
	var id uint64
	var cv *containerValue
	err := s.db.View(func(tx *bolt.Tx) error {
		id = getU64(tx.Bucket(bucketMeta).Get(keyActive))
		if id == 0 {
			return nil
		}
		v := tx.Bucket(bucketContainers).Get(u64key(id))
		if v == nil {
			id = 0
			return nil
		}
		var err error
		cv, err = decodeContainer(v)
		return err
	})
	if err != nil || id == 0 || cv.Sealed || slices.Contains(w.abandoned, id) {
		return err
	}
	path, ok := s.containerPath(id)
	if !ok {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: open active container: %w", err)
	}
	w.active = &activeContainer{id: id, path: path, f: f, size: cv.Size, zeroed: cv.Size}
	return nil
}

// createActive starts a new container: its id is reserved first, then the
// file is created and synced, then the index learns of it. A crash in
// between leaves at most an empty container file the index does not know,
// which check reports and repair removes.
func (w *committer) createActive() error {
	s := w.s
	var id uint64
	if err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		id, err = s.allocContainerID(tx)
		return err
	}); err != nil {
		return fmt.Errorf("store: new container: %w", err)
	}
	path := s.newContainerPath(id)
	f, err := createContainerFile(path, id, s.opts.Now())
	if err != nil {
		return err
	}
	// The file list and the index learn of it together for Check.
	s.createMu.Lock()
	defer s.createMu.Unlock()
	s.filesMu.Lock()
	s.files[id] = path
	s.filesMu.Unlock()
	err = s.db.Update(func(tx *bolt.Tx) error {
		cv := containerValue{Size: containerHeaderSize}
		if err := tx.Bucket(bucketContainers).Put(u64key(id), cv.encode()); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyActive, u64key(id))
	})
	if err != nil {
		f.Close()
		return fmt.Errorf("store: new container: %w", err)
	}
	w.active = &activeContainer{id: id, path: path, f: f, size: containerHeaderSize, zeroed: containerHeaderSize}
	s.log.Debug("container created", "path", path)
	return nil
}

// abandon gives up the active container after an I/O error. Bytes past its
// committed length are cut on the next open.
func (w *committer) abandon() {
	if w.active == nil {
		return
	}
	w.active.waitZeros()
	_ = w.active.f.Truncate(w.active.size)
	w.abandoned = append(w.abandoned, w.active.id)
	w.closeActive()
}

func (w *committer) closeActive() {
	if w.active != nil {
		if err := w.active.dropZeros(); err != nil {
			w.s.log.Warn("container keeps zeros past its end until the next open", "path", w.active.path, "err", err)
		}
		w.active.f.Close()
		w.active = nil
	}
}
