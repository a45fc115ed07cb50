package store

import (
	"errors"
	"io"
	"time"

	"golang.org/x/sys/unix"
)

// committer is the single goroutine that appends to the active container.
// It takes every delivery queued while it was busy, applies them to the
// pending index transaction, writes their records and a commit record
// with one write, fdatasyncs once and answers them all: the group commit.
// The container is the log: the index transaction commits later, for many
// groups at once (pending.go), and a crash before it is repaired by
// replaying the groups past the index's length (replay.go).
type committer struct {
	s      *Store
	active *activeContainer
	// abandoned are containers given up after an I/O error, to be marked
	// sealed by the next index transaction that commits.
	abandoned []uint64
	// pend is the open index transaction holding the groups acknowledged
	// since the last index commit; nil when none is open.
	pend *pendingIndex
	// backlog are acknowledged groups whose index transaction failed, to be
	// indexed again by the next one.
	backlog []*loggedGroup
	// lastAck is when the last group was acknowledged, for indexDue.
	lastAck time.Time
}

func (w *committer) run() {
	s := w.s
	defer close(s.committed)
	defer w.closeActive()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var due <-chan time.Time
		if w.unindexed() {
			timer.Reset(w.indexDue())
			due = timer.C
		}
		select {
		case r := <-s.appends:
			w.commit(w.collect(r))
		case reply := <-s.settleReq:
			reply <- w.commitPending()
		case reply := <-s.sealReq:
			err := w.commitPending()
			if err == nil {
				err = w.seal()
			}
			reply <- err
		case <-due:
			_ = w.commitPending() // logged; the groups stay in the backlog
		case <-s.stop:
			for {
				select {
				case r := <-s.appends:
					r.done <- appendResult{err: ErrClosed}
				default:
					w.flushTombstones()
					_ = w.commitPending()
					w.rollbackPending()
					return
				}
			}
		}
		timer.Stop()
	}
}

// flushTombstones writes pending tombstones on its own (at close).
func (w *committer) flushTombstones() {
	w.s.tombMu.Lock()
	n := len(w.s.tombstones)
	w.s.tombMu.Unlock()
	if n > 0 {
		w.commit(nil)
	}
}

// collect takes r and whatever else is queued, up to the batch limit.
// While other deliveries are under way (encoding their records, about to
// queue), it waits a little for them, at most commitWait: a batch that
// takes them all costs one fsync where stragglers would each pay their own
// (PostgreSQL's commit_delay with commit_siblings, in effect).
func (w *committer) collect(r *appendReq) []*appendReq {
	batch := []*appendReq{r}
	size := r.size()
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for size < w.s.opts.MaxBatch && len(batch) < 4096 {
		select {
		case r := <-w.s.appends:
			batch = append(batch, r)
			size += r.size()
			continue
		default:
		}
		if int64(len(batch)) >= w.s.delivering.Load() {
			return batch // nobody else is on the way
		}
		if timer == nil {
			timer = time.NewTimer(commitWait)
		}
		select {
		case r := <-w.s.appends:
			batch = append(batch, r)
			size += r.size()
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// commitWait bounds how long a batch waits for deliveries under way; well
// below one fsync.
const commitWait = 500 * time.Microsecond

func (w *committer) fail(batch []*appendReq, err error) {
	for _, r := range batch {
		r.done <- appendResult{err: err}
	}
}

// commit stores one batch. Every path answers every request exactly once.
func (w *committer) commit(batch []*appendReq) {
	s := w.s
	s.tombMu.Lock()
	tombs := s.tombstones
	s.tombstones = nil
	s.tombMu.Unlock()
	requeue := func() {
		s.tombMu.Lock()
		s.tombstones = append(tombs, s.tombstones...)
		s.tombMu.Unlock()
	}
	fail := func(err error) {
		requeue()
		w.fail(batch, &TemporaryError{err})
	}

	var total int64
	for _, r := range batch {
		total += r.size()
	}
	tombRecs := make([][]byte, len(tombs))
	for i, g := range tombs {
		tombRecs[i] = encodeRecord(KindTombstone, g, nil, nil)
		total += int64(len(tombRecs[i]))
	}
	if total == 0 {
		return
	}
	if err := w.ensureActive(total); err != nil {
		fail(err)
		return
	}
	a := w.active
	p, err := w.begin()
	if err != nil {
		s.log.Error("index transaction failed to start; batch not stored", "err", err)
		fail(err)
		return
	}
	created := p.st.created
	results, group, dataEnd, err := w.apply(p.st, batch, tombs, a.id, a.size)
	if err != nil {
		s.log.Error("index update failed; batch not stored", "err", err)
		w.restartPending()
		fail(err)
		return
	}
	// A new mailbox's UIDVALIDITY cannot be replayed: such a group is
	// acknowledged only once its index transaction has committed.
	synchronous := p.st.created != created
	if synchronous {
		group.flags |= commitSynchronous
	}
	crec := encodeRecord(KindCommit, GUID{}, encodeCommit(group.outcome()), nil)
	group.end = dataEnd + int64(len(crec))
	c, err := p.st.container(a.id)
	if err != nil {
		w.restartPending()
		fail(err)
		return
	}
	c.Size = group.end

	bufs := make([][]byte, 0, 2*len(batch)+len(tombRecs)+1)
	for _, r := range batch {
		bufs = append(bufs, r.head, r.body)
	}
	bufs = append(bufs, tombRecs...)
	bufs = append(bufs, crec)
	// The group's message entries go into the index transaction while its
	// records are written and synced: the committer waits for the disk
	// there anyway, and nothing else uses the transaction meanwhile.
	puts := make(chan error, 1)
	go func() { puts <- p.st.putMessages() }()
	if err := w.write(a, bufs); err != nil {
		<-puts
		s.log.Error("container write failed; sealing it", "path", a.path, "err", err)
		w.abandon()
		w.restartPending()
		fail(err)
		return
	}
	if err := w.sync(a); err != nil {
		<-puts
		s.log.Error("container sync failed; sealing it", "path", a.path, "err", err)
		w.abandon()
		w.restartPending()
		fail(err)
		return
	}
	if err := <-puts; err != nil {
		// Synced but not acknowledged, so it must not come back: cut it.
		s.log.Error("index update failed; batch not stored", "err", err)
		if terr := cutActive(a, group.start); terr != nil {
			w.abandon()
		}
		w.restartPending()
		fail(err)
		return
	}
	p.groups = append(p.groups, group)
	if synchronous {
		if err := w.commitPending(); err != nil {
			// Not acknowledged, so it must not come back: cut it and
			// index the groups before it again.
			w.backlog = w.backlog[:len(w.backlog)-1]
			if terr := cutActive(a, group.start); terr != nil {
				w.abandon()
			}
			fail(err)
			return
		}
	}
	a.size = group.end
	s.pending.Store(w.unindexed())
	s.batches.Add(1)
	s.batched.Add(int64(len(batch)))
	w.lastAck = time.Now()
	// Watchers hear of the group now, before its callers: an IMAP session
	// that appended to its selected mailbox reports EXISTS with the OK.
	// Whoever then reads the message settles the index first.
	if w.pend != nil {
		st := w.pend.st
		s.notify.publish(st.changes[st.published:])
		st.published = len(st.changes)
	}
	for i, r := range batch {
		r.done <- appendResult{placed: results[i]}
	}
	if time.Since(p.since) >= indexMaxAge || len(p.groups) >= indexMaxGroups || s.writers.Load() > 0 {
		_ = w.commitPending()
	}
}

// write writes the records at the end of the active container, straight
// from the callers' buffers (pwritev): no copy of the batch is made.
func (w *committer) write(a *activeContainer, bufs [][]byte) error {
	if h := w.s.opts.hooks; h != nil && h.write != nil {
		if err := h.write(); err != nil {
			return err
		}
	}
	var n int64
	for _, b := range bufs {
		n += int64(len(b))
	}
	a.beforeWrite(a.size + n)
	if err := pwritevAll(int(a.f.Fd()), bufs, a.size); err != nil {
		return err
	}
	a.afterWrite(a.size+n, w.s.opts.ContainerSize)
	return nil
}

// pwritevAll writes every byte of bufs at off, resuming after short
// writes and splitting at the kernel's limit of vectors per call.
func pwritevAll(fd int, bufs [][]byte, off int64) error {
	const maxVecs = 1024 // IOV_MAX on Linux
	for len(bufs) > 0 {
		vecs := bufs[:min(len(bufs), maxVecs)]
		n, err := unix.Pwritev(fd, vecs, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		off += int64(n)
		// Drop what was written; a partly written vector keeps its rest.
		for n > 0 {
			if n >= len(bufs[0]) {
				n -= len(bufs[0])
				bufs = bufs[1:]
				continue
			}
			rest := append([][]byte{bufs[0][n:]}, bufs[1:]...)
			bufs, n = rest, 0
		}
	}
	return nil
}

// sync makes what write wrote durable.
func (w *committer) sync(a *activeContainer) error {
	if h := w.s.opts.hooks; h != nil && h.sync != nil {
		if err := h.sync(); err != nil {
			return err
		}
	}
	return unix.Fdatasync(int(a.f.Fd()))
}

// apply records a batch in the index transaction, as it will be written
// at base in the container, and describes it as a logged group. end is
// where the batch's records and tombstones end: a record whose refused
// placements apply left out is shorter than the one queued.
func (w *committer) apply(st *txState, batch []*appendReq, tombs []GUID, container uint64, base int64) (results [][]Placed, g *loggedGroup, end int64, err error) {
	c, err := st.container(container)
	if err != nil {
		return nil, nil, 0, err
	}
	if err := st.tx.Bucket(bucketMeta).Put(keyActive, u64key(container)); err != nil {
		return nil, nil, 0, err
	}
	g = &loggedGroup{container: container, start: base, messages: make([]loggedMessage, len(batch)), tombs: tombs}
	off := base
	results = make([][]Placed, len(batch))
	for i, r := range batch {
		b := &blobValue{Container: container, Offset: off, BodyLen: r.bodyLen, Summary: r.summary}
		_, tz := r.d.InternalDate.Zone()
		m := loggedMessage{guid: r.guid, offset: off, bodyLen: r.bodyLen, summary: r.summary,
			date: r.d.InternalDate.Unix(), tz: int32(tz)}
		// The blob starts live with one reference held for the batch, so
		// that addMessage accepts it; the hold is dropped below.
		b.Refs = 1
		st.blobs[r.guid] = b
		placed := make([]Placed, len(r.d.Targets))
		refused := 0
		for j, t := range r.d.Targets {
			if placed[j] = w.place(st, r, t); placed[j].Err != nil {
				refused++
			}
		}
		// When some targets refused and some took it, the record names only
		// the placements made: an index rebuilt from the containers (which
		// compaction copies without their commit records) must not deliver
		// where this one refused. When all refused, a tombstone covers it.
		keepAll := refused == 0 || refused == len(placed)
		keep := func(j int) bool { return keepAll || placed[j].Err == nil }
		if !keepAll {
			r.head, r.metaLen = messageHead(r.guid, r.d, r.body, keep)
		}
		for j, t := range r.d.Targets {
			if !keep(j) {
				continue
			}
			m.placements = append(m.placements, Placement{Account: t.Account, Mailbox: t.Mailbox, Flags: t.Flags, Keywords: t.Keywords})
			m.uids = append(m.uids, placed[j].UID) // 0 when refused
		}
		b.MetaLen, m.metaLen = r.metaLen, r.metaLen
		size := r.size()
		off += size
		b.Refs--
		if b.Refs > 0 {
			c.Live += size
			c.LiveCount++
		} else {
			st.tombs = append(st.tombs, r.guid) // no target took it
		}
		results[i] = placed
		g.messages[i] = m
	}
	q := st.tx.Bucket(bucketTombQueue)
	for _, gd := range tombs {
		off += recordHeaderSize // a tombstone is a bare header
		if err := q.Delete(gd[:]); err != nil {
			return nil, nil, 0, err
		}
	}
	return results, g, off, nil
}

// place stores one request for one target; its error is the target's.
func (w *committer) place(st *txState, r *appendReq, t Target) Placed {
	mb, err := st.mailboxByName(t.Account, t.Mailbox)
	if errors.Is(err, ErrNoMailbox) && (t.Create || t.Mailbox == Inbox) {
		mb, err = st.createMailbox(t.Account, t.Mailbox, true, "")
	}
	if err != nil {
		return Placed{Err: err}
	}
	size := int64(r.bodyLen)
	if t.Quota.Bytes > 0 || t.Quota.Messages > 0 {
		u, err := st.usageOf(t.Account)
		if err != nil {
			return Placed{Err: err}
		}
		if (t.Quota.Bytes > 0 && u.Bytes+size > t.Quota.Bytes) || (t.Quota.Messages > 0 && u.Messages+1 > t.Quota.Messages) {
			return Placed{Mailbox: mb.ID, UIDValidity: mb.UIDValidity, Err: ErrOverQuota}
		}
	}
	_, tz := r.d.InternalDate.Zone()
	v := &messageValue{Flags: t.Flags, Date: r.d.InternalDate.Unix(), TZ: int32(tz), Size: size, GUID: r.guid, Keywords: t.Keywords}
	uid, err := st.addMessage(mb, v)
	if err != nil {
		return Placed{Err: err}
	}
	return Placed{Mailbox: mb.ID, UIDValidity: mb.UIDValidity, UID: uid}
}
