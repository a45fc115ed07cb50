package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
)

// redo indexes a logged group again, giving each placement the UID that
// the group's commit record names. A mailbox whose next UID differs means
// the index is not where the group left it: nothing is guessed.
func (s *Store) redo(st *txState, g *loggedGroup) error {
	c, err := st.container(g.container)
	if err != nil {
		return err
	}
	if c.Size != g.start {
		return fmt.Errorf("store: container %016x: index length %d, logged group starts at %d", g.container, c.Size, g.start)
	}
	c.Size = g.end
	for i := range g.messages {
		m := &g.messages[i]
		// One reference is held while the placements take theirs, as the
		// committer does, so that addMessage accepts the blob.
		b := &blobValue{Container: g.container, Offset: m.offset, MetaLen: m.metaLen, BodyLen: m.bodyLen, Summary: m.summary, Refs: 1}
		st.blobs[m.guid] = b
		for j, p := range m.placements {
			if m.uids[j] == 0 {
				continue
			}
			mb, err := st.mailboxByName(p.Account, p.Mailbox)
			if err != nil {
				return fmt.Errorf("store: redo message %s for %s/%s: %w", m.guid, p.Account, p.Mailbox, err)
			}
			if mb.UIDNext != m.uids[j] {
				return fmt.Errorf("store: redo message %s for %s/%s: next UID is %d, the log says %d", m.guid, p.Account, p.Mailbox, mb.UIDNext, m.uids[j])
			}
			v := &messageValue{Flags: p.Flags, Date: m.date, TZ: m.tz, Size: int64(m.bodyLen), GUID: m.guid, Keywords: p.Keywords}
			if _, err := st.addMessage(mb, v); err != nil {
				return err
			}
		}
		b.Refs--
		if b.Refs > 0 {
			c.Live += m.size()
			c.LiveCount++
		} else {
			st.tombs = append(st.tombs, m.guid)
		}
	}
	q := st.tx.Bucket(bucketTombQueue)
	for _, gd := range g.tombs {
		if err := q.Delete(gd[:]); err != nil {
			return err
		}
	}
	return nil
}

// replayActive indexes the groups that the active container holds past
// its committed length: appends acknowledged after their fdatasync whose
// index transaction a crash lost. It stops at the first record that does
// not belong to a complete, asynchronously acknowledged group (a torn or
// unacknowledged tail, which recover then cuts).
func (s *Store) replayActive() error {
	var id uint64
	var cv *containerValue
	err := s.db.View(func(tx *bolt.Tx) error {
		id = getU64(tx.Bucket(bucketMeta).Get(keyActive))
		v := tx.Bucket(bucketContainers).Get(u64key(id))
		if id == 0 || v == nil {
			id = 0
			return nil
		}
		var err error
		cv, err = decodeContainer(v)
		return err
	})
	if err != nil || id == 0 || cv.Sealed {
		return err
	}
	path, ok := s.files[id]
	if !ok {
		return nil
	}
	groups, err := s.readLog(id, path, cv.Size)
	if err != nil || len(groups) == 0 {
		return err
	}
	var st *txState
	err = s.db.Update(func(tx *bolt.Tx) error {
		st = s.newTx(tx)
		for _, g := range groups {
			if err := s.redo(st, g); err != nil {
				return err
			}
		}
		return st.flush()
	})
	if err != nil {
		return fmt.Errorf("store: replay of %s: %w; the messages are in the container: run axcompact check --rebuild-index", path, err)
	}
	s.afterCommit(st)
	n := 0
	for _, g := range groups {
		n += len(g.messages)
	}
	s.log.Info("replayed acknowledged appends the index had not recorded", "path", path, "groups", len(groups), "messages", n)
	return nil
}

// readLog reads the complete groups from offset from to the end of a
// container.
func (s *Store) readLog(id uint64, path string, from int64) ([]*loggedGroup, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: replay: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: replay: %w", err)
	}
	end := st.Size()
	if end <= from {
		return nil, nil
	}
	r := bufio.NewReaderSize(io.NewSectionReader(f, from, end-from), 1<<20)
	var groups []*loggedGroup
	cur := &loggedGroup{container: id, start: from}
	var scratch []byte
	for off := from; ; {
		if hb, err := r.Peek(recordHeaderSize); err == nil && zeroHeader(hb) {
			return groups, nil // the zero fill ahead of the appends
		}
		rec, err := readRecordInto(r, off, end-off, &scratch)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.log.Warn("container log ends in a torn or damaged record", "path", path, "offset", off, "err", err)
			}
			return groups, nil
		}
		off += rec.size()
		switch rec.Kind {
		case KindMessage:
			m, err := loggedFromRecord(rec, id, s.opts.Summarize)
			if err != nil {
				return groups, nil // checkMeta passed, so this cannot happen
			}
			cur.messages = append(cur.messages, m)
		case KindTombstone:
			cur.tombs = append(cur.tombs, rec.GUID)
		case KindCommit:
			o, err := decodeCommit(rec.Meta)
			if err != nil || o.flags&commitSynchronous != 0 || !cur.take(o) {
				if err == nil && o.flags&commitSynchronous == 0 {
					s.log.Error("commit record does not match its group; replay stops", "path", path, "offset", rec.Offset)
				}
				return groups, nil
			}
			cur.end = off
			groups = append(groups, cur)
			cur = &loggedGroup{container: id, start: off}
		}
	}
}

// take gives the group its commit record's outcome, if it fits.
func (g *loggedGroup) take(o *commitOutcome) bool {
	if o.tombstones != len(g.tombs) || len(o.uids) != len(g.messages) {
		return false
	}
	for i := range g.messages {
		if len(o.uids[i]) != len(g.messages[i].placements) {
			return false
		}
		g.messages[i].uids = o.uids[i]
	}
	g.flags = o.flags
	return true
}

// loggedFromRecord describes a message record read back from a container;
// its summary is computed again, as the record does not keep it.
func loggedFromRecord(rec *Record, container uint64, summarize func(io.Reader) ([]byte, error)) (loggedMessage, error) {
	meta, err := decodeMeta(rec.Meta)
	if err != nil {
		return loggedMessage{}, err
	}
	m := loggedMessage{guid: rec.GUID, offset: rec.Offset, metaLen: uint32(len(rec.Meta)), bodyLen: uint32(len(rec.Body)),
		date: meta.InternalDate, tz: meta.TZOffset, placements: meta.Placements}
	if summarize != nil {
		if sum, err := summarize(bytes.NewReader(rec.Body)); err == nil {
			m.summary = sum
		}
	}
	return m, nil
}
