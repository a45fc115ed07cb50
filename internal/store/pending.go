package store

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// An acknowledged group waits in the pending index transaction until the
// committer has been idle for indexIdle, the oldest group is indexMaxAge
// old or indexMaxGroups have gathered, or a reader or writer needs the
// index to show it (settle). The bounds keep a replay after a crash short
// and other index writers, which wait for the transaction, waiting little.
// Each commit costs two fdatasyncs of the index in the committer's path:
// at 64 concurrent appends, 100 ms rather than 20 ms ran 6-10% faster
// (appendbench, interleaved: means of 31.2k against 28.4k msg/s).
const (
	indexIdle      = 2 * time.Millisecond
	indexMaxAge    = 100 * time.Millisecond
	indexMaxGroups = 256
)

// pendingIndex is the committer's open index transaction.
type pendingIndex struct {
	tx     *bolt.Tx
	st     *txState
	groups []*loggedGroup // acknowledged, in container order
	since  time.Time
}

// unindexed reports an open transaction or acknowledged groups that the
// index does not show yet.
func (w *committer) unindexed() bool {
	return w.pend != nil || len(w.backlog) > 0
}

// indexDue is how long the pending groups may still wait.
func (w *committer) indexDue() time.Duration {
	if w.pend == nil {
		return 0 // a backlog: try again at once
	}
	idle := time.Until(w.lastAck.Add(indexIdle))
	age := time.Until(w.pend.since.Add(indexMaxAge))
	return max(min(idle, age), 0)
}

// begin returns the pending transaction, opening one (with the backlog
// indexed again) if none is open.
func (w *committer) begin() (*pendingIndex, error) {
	if w.pend != nil {
		return w.pend, nil
	}
	tx, err := w.s.db.Begin(true)
	if err != nil {
		return nil, err
	}
	p := &pendingIndex{tx: tx, st: w.s.newTx(tx), since: time.Now()}
	p.st.deferPuts = true
	if err := w.sealAbandoned(p.st); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	for _, g := range w.backlog {
		if err := w.s.redo(p.st, g); err != nil {
			_ = tx.Rollback()
			return nil, err
		}
	}
	p.groups, w.backlog = w.backlog, nil
	p.st.published = len(p.st.changes) // when they were acknowledged
	w.pend = p
	return p, nil
}

// sealAbandoned marks the abandoned containers sealed in st.
func (w *committer) sealAbandoned(st *txState) error {
	cs := st.tx.Bucket(bucketContainers)
	for _, id := range w.abandoned {
		v := cs.Get(u64key(id))
		if v == nil {
			continue
		}
		ac, err := decodeContainer(v)
		if err != nil {
			return err
		}
		ac.Sealed = true
		st.containers[id] = ac
	}
	return nil
}

// commitPending commits the pending transaction and publishes what it
// did. On failure its groups go to the backlog: they are in the container,
// acknowledged, and the next transaction (or a replay) indexes them.
func (w *committer) commitPending() error {
	if w.pend == nil {
		if len(w.backlog) == 0 {
			return nil
		}
		if _, err := w.begin(); err != nil {
			w.s.log.Error("index transaction failed to start; acknowledged appends wait in the container", "groups", len(w.backlog), "err", err)
			return &TemporaryError{err}
		}
	}
	p := w.pend
	w.pend = nil
	err := p.st.flush()
	if h := w.s.opts.hooks; err == nil && h != nil && h.indexCommit != nil {
		err = h.indexCommit()
	}
	if err == nil {
		err = p.tx.Commit()
	} else {
		_ = p.tx.Rollback()
	}
	if err != nil {
		w.backlog = p.groups
		w.s.log.Error("index commit failed; acknowledged appends wait in the container", "groups", len(p.groups), "err", err)
		return &TemporaryError{err}
	}
	w.abandoned = nil
	w.s.indexCommits.Add(1)
	w.s.pending.Store(false)
	w.s.afterCommit(p.st)
	return nil
}

// restartPending drops the pending transaction after a failure that may
// have left part of a batch in it, and indexes its acknowledged groups
// again in a new one.
func (w *committer) restartPending() {
	if w.pend == nil {
		return
	}
	_ = w.pend.tx.Rollback()
	w.backlog = append(w.pend.groups, w.backlog...)
	w.pend = nil
	_ = w.commitPending()
	w.s.pending.Store(w.unindexed())
}

// rollbackPending drops an open transaction without committing it (at
// close, after a failed commit): its groups stay in the container.
func (w *committer) rollbackPending() {
	if w.pend != nil {
		_ = w.pend.tx.Rollback()
		w.pend = nil
	}
}

// indexWrite runs fn in a write transaction of its own (with batch, one
// shared with concurrent callers, as bbolt's Batch). The committer holds
// the write lock between its index commits; while a writer waits here it
// commits after each group, so the writer waits a group, not indexMaxAge
// (measured here: StoreFlags under 16 appenders took 216 ms at the
// median before). Never called from the committer.
func (s *Store) indexWrite(batch bool, fn func(*bolt.Tx) error) error {
	s.writers.Add(1)
	defer s.writers.Add(-1)
	s.settle()
	if batch {
		return s.db.Batch(fn)
	}
	return s.db.Update(fn)
}

// view runs fn in a read transaction that shows every acknowledged append.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	s.settle()
	return s.db.View(fn)
}

// settle makes the appends acknowledged so far visible in the index and
// the cache. Every read and write of the index starts with it, so that a
// caller sees what it was told is stored.
func (s *Store) settle() {
	if !s.pending.Load() {
		return
	}
	reply := make(chan error, 1)
	select {
	case s.settleReq <- reply:
		select {
		case <-reply:
		case <-s.committed:
		}
	case <-s.committed:
	}
}
