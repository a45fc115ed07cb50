package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
)

// orphanRecord is an orphan read back for a repair.
type orphanRecord struct {
	guid    GUID
	loc     recLoc
	meta    *RecordMeta
	summary []byte
}

func (s *Store) readOrphan(path string, g GUID, loc recLoc) (*orphanRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := readRecord(io.NewSectionReader(f, loc.offset, loc.size()), loc.offset, loc.size())
	if err != nil {
		return nil, err
	}
	meta, err := decodeMeta(r.Meta)
	if err != nil {
		return nil, err
	}
	o := &orphanRecord{guid: g, loc: loc, meta: meta}
	if s.opts.Summarize != nil {
		o.summary, _ = s.opts.Summarize(bytes.NewReader(r.Body))
	}
	return o, nil
}

// repair applies what verifyIndex found, in one transaction, then removes
// empty container files the index never knew.
func (s *Store) repair(ctx context.Context, sc *storeScan, fix *indexFix, files map[uint64]string) error {
	var orphans []*orphanRecord
	records := sc.records()
	for _, g := range fix.orphans {
		if err := ctx.Err(); err != nil {
			return err
		}
		loc := records[g]
		o, err := s.readOrphan(files[loc.container], g, loc)
		if err != nil {
			s.log.Warn("orphan unreadable; left as garbage", "guid", g.String(), "err", err)
			continue
		}
		orphans = append(orphans, o)
	}
	var remove []string
	err := s.indexWrite(false, func(tx *bolt.Tx) error {
		remove = nil
		msgs, blobs, cs := tx.Bucket(bucketMessages), tx.Bucket(bucketBlobs), tx.Bucket(bucketContainers)
		for _, k := range fix.danglingMessages {
			if err := msgs.Delete(k); err != nil {
				return err
			}
		}
		for _, g := range fix.badBlobs {
			if err := blobs.Delete(g[:]); err != nil {
				return err
			}
		}
		for g, loc := range fix.relocate {
			b, err := decodeBlob(blobs.Get(g[:]))
			if err != nil {
				return err
			}
			b.Container, b.Offset = loc.container, loc.offset
			if err := blobs.Put(g[:], b.encode()); err != nil {
				return err
			}
		}
		for _, id := range fix.missing {
			if err := cs.Delete(u64key(id)); err != nil {
				return err
			}
		}
		sizes := make(map[uint64]int64)
		for id, end := range sc.ends {
			sizes[id] = max(end, containerHeaderSize)
		}
		for _, id := range fix.unknown {
			end := sc.ends[id]
			switch {
			case end == 0: // not a valid container: reported, left alone
				delete(sizes, id)
				continue
			case end == containerHeaderSize: // a header and nothing else
				remove = append(remove, files[id])
				delete(sizes, id)
				continue
			}
			cv := containerValue{Size: max(end, containerHeaderSize), Sealed: true}
			if err := cs.Put(u64key(id), cv.encode()); err != nil {
				return err
			}
		}
		st := s.newTx(tx)
		for _, o := range orphans {
			if err := st.recoverOrphan(o); err != nil {
				return err
			}
		}
		if err := st.flush(); err != nil {
			return err
		}
		return recount(tx, sizes)
	})
	if err != nil {
		return err
	}
	for _, p := range remove {
		if err := removeFile(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		s.filesMu.Lock()
		var gone []uint64
		for id, fp := range s.files {
			if fp == p {
				delete(s.files, id)
				gone = append(gone, id)
			}
		}
		s.filesMu.Unlock()
		for _, id := range gone {
			s.fcache.drop(id)
		}
	}
	return nil
}

// recoverOrphan gives an orphan a blob entry and puts it in the recovery
// mailbox of each account it was delivered to. Counters are left to
// recount.
func (t *txState) recoverOrphan(o *orphanRecord) error {
	b := &blobValue{Container: o.loc.container, Offset: o.loc.offset, MetaLen: o.loc.metaLen, BodyLen: o.loc.bodyLen, Summary: o.summary}
	seen := make(map[string]bool)
	for _, p := range o.meta.Placements {
		if p.Account == "" || seen[p.Account] {
			continue
		}
		seen[p.Account] = true
		mb, err := t.mailboxByName(p.Account, RecoveryMailbox)
		if errors.Is(err, ErrNoMailbox) {
			mb, err = t.createMailbox(p.Account, RecoveryMailbox, true, "")
		}
		if err != nil {
			return err
		}
		uid := mb.UIDNext
		mb.UIDNext++
		mb.HighestModSeq++
		v := &messageValue{Flags: p.Flags & flagsKnown, ModSeq: mb.HighestModSeq, Date: o.meta.InternalDate, TZ: o.meta.TZOffset,
			Size: int64(o.loc.bodyLen), GUID: o.guid, Keywords: normKeywords(p.Keywords)}
		if err := t.tx.Bucket(bucketMessages).Put(messageKey(mb.ID, uid), v.encode()); err != nil {
			return err
		}
	}
	return t.tx.Bucket(bucketBlobs).Put(o.guid[:], b.encode())
}

// recount recomputes every derived value of the index from the messages:
// blob reference counts, container live statistics (and sizes, where
// given), mailbox counters, UIDNEXT and HIGHESTMODSEQ floors, and account
// usage.
func recount(tx *bolt.Tx, sizes map[uint64]int64) error {
	mbs := tx.Bucket(bucketMailboxes)
	mailboxes := make(map[MailboxID]*Mailbox)
	if err := mbs.ForEach(func(k, v []byte) error {
		id := MailboxID(getU64(k))
		mb, err := decodeMailbox(id, v)
		if err != nil {
			return err
		}
		mailboxes[id] = mb
		return nil
	}); err != nil {
		return err
	}
	counts := make(map[MailboxID]*mailboxCount)
	refs := make(map[GUID]uint32)
	if err := tx.Bucket(bucketMessages).ForEach(func(k, v []byte) error {
		id, uid, _ := splitMessageKey(k)
		mv, err := decodeMessageRef(v)
		if err != nil {
			return err
		}
		refs[mv.GUID]++
		c := counts[id]
		if c == nil {
			c = &mailboxCount{}
			counts[id] = c
		}
		c.count(mv, uid)
		return nil
	}); err != nil {
		return err
	}
	live := make(map[uint64]*containerValue)
	blobs := tx.Bucket(bucketBlobs)
	type upd struct {
		k []byte
		v []byte
	}
	var updates []upd
	if err := blobs.ForEach(func(k, v []byte) error {
		b, err := decodeBlob(v)
		if err != nil {
			return err
		}
		var g GUID
		copy(g[:], k)
		if b.Refs != refs[g] {
			b.Refs = refs[g]
			updates = append(updates, upd{append([]byte(nil), k...), b.encode()})
		}
		if b.Refs > 0 {
			c := live[b.Container]
			if c == nil {
				c = &containerValue{}
				live[b.Container] = c
			}
			c.Live += b.recordSize()
			c.LiveCount++
		}
		return nil
	}); err != nil {
		return err
	}
	for _, u := range updates {
		if err := blobs.Put(u.k, u.v); err != nil {
			return err
		}
	}
	cs := tx.Bucket(bucketContainers)
	var cupd []upd
	if err := cs.ForEach(func(k, v []byte) error {
		cv, err := decodeContainer(v)
		if err != nil {
			return err
		}
		if sz, ok := sizes[getU64(k)]; ok {
			cv.Size = sz
		}
		l := live[getU64(k)]
		if l == nil {
			l = &containerValue{}
		}
		cv.Live, cv.LiveCount = l.Live, l.LiveCount
		cv.Size = max(cv.Size, containerHeaderSize+cv.Live)
		cupd = append(cupd, upd{append([]byte(nil), k...), cv.encode()})
		return nil
	}); err != nil {
		return err
	}
	for _, u := range cupd {
		if err := cs.Put(u.k, u.v); err != nil {
			return err
		}
	}
	usage := make(map[string]*Usage)
	for id, mb := range mailboxes {
		c := counts[id]
		if c == nil {
			c = &mailboxCount{}
		}
		mb.Messages, mb.Bytes, mb.Unseen, mb.Deleted = c.messages, c.bytes, c.unseen, c.deleted
		mb.UIDNext = max(mb.UIDNext, c.maxUID+1)
		mb.HighestModSeq = max(mb.HighestModSeq, c.maxModSeq)
		if err := mbs.Put(u64key(uint64(id)), encodeMailbox(mb)); err != nil {
			return err
		}
		u := usage[mb.Account]
		if u == nil {
			u = &Usage{}
			usage[mb.Account] = u
		}
		u.Bytes += c.bytes
		u.Messages += int64(c.messages)
	}
	if err := tx.DeleteBucket(bucketAccounts); err != nil {
		return err
	}
	accts, err := tx.CreateBucket(bucketAccounts)
	if err != nil {
		return err
	}
	for a, u := range usage {
		if err := accts.Put([]byte(a), encodeUsage(*u)); err != nil {
			return err
		}
	}
	return nil
}
