package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Message returns what the index knows of one message.
func (s *Store) Message(mb MailboxID, uid uint32) (MessageInfo, error) {
	var info MessageInfo
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMessages).Get(messageKey(mb, uid))
		if v == nil {
			return ErrNoMessage
		}
		mv, err := decodeMessage(v)
		if err != nil {
			return err
		}
		info = mv.info(uid)
		return nil
	})
	return info, err
}

// Messages calls fn for each message of a mailbox with a UID in [from, to],
// in UID order, from the index; fn must not call the store.
func (s *Store) Messages(mb MailboxID, from, to uint32, fn func(MessageInfo) error) error {
	return s.view(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketMessages).Cursor()
		for k, v := cur.Seek(messageKey(mb, from)); k != nil; k, v = cur.Next() {
			id, uid, ok := splitMessageKey(k)
			if !ok || id != mb || uid > to {
				return nil
			}
			mv, err := decodeMessage(v)
			if err != nil {
				return err
			}
			if err := fn(mv.info(uid)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Summary returns the cached summary (ENVELOPE, BODYSTRUCTURE) of a
// message body, nil if none was computed.
func (s *Store) Summary(g GUID) ([]byte, error) {
	var out []byte
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketBlobs).Get(g[:])
		if v == nil {
			return ErrNoMessage
		}
		b, err := decodeBlob(v)
		if err != nil {
			return err
		}
		out = slices.Clone(b.Summary)
		return nil
	})
	return out, err
}

// MessageReader reads one message body straight from its container.
type MessageReader struct {
	*io.SectionReader
	cache *fileCache
	sf    *sharedFile
}

// Close releases the container file; closing twice is harmless.
func (r *MessageReader) Close() error {
	if r.sf != nil {
		r.cache.release(r.sf)
		r.sf = nil
	}
	return nil
}

// OpenMessage opens a message body for reading with pread. The reader
// stays valid even if compaction moves the message meanwhile.
func (s *Store) OpenMessage(g GUID) (*MessageReader, error) {
	// A compaction can delete (or recycle) the container between the
	// index look-up and the open: it forgets a container only after the
	// index points elsewhere, so look again.
	for attempt := 0; ; attempt++ {
		var b *blobValue
		err := s.view(func(tx *bolt.Tx) error {
			v := tx.Bucket(bucketBlobs).Get(g[:])
			if v == nil {
				return ErrNoMessage
			}
			var err error
			b, err = decodeBlob(v)
			return err
		})
		if err != nil {
			return nil, err
		}
		path, ok := s.containerPath(b.Container)
		if !ok && attempt < 3 {
			continue
		}
		if !ok {
			return nil, &TemporaryError{fmt.Errorf("container %016x of message %s is missing", b.Container, g)}
		}
		sf, opened, err := s.fcache.acquire(b.Container, func() (*os.File, error) { return os.Open(path) })
		if errors.Is(err, os.ErrNotExist) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, &TemporaryError{err}
		}
		if opened {
			if _, known := s.containerPath(b.Container); !known {
				// Removed while it was opened: this reader keeps the file,
				// the cache must not.
				s.fcache.drop(b.Container)
			}
		}
		return &MessageReader{SectionReader: io.NewSectionReader(sf.f, b.bodyOffset(), int64(b.BodyLen)), cache: s.fcache, sf: sf}, nil
	}
}

// FlagUpdate is the new state of a message after StoreFlags.
type FlagUpdate struct {
	UID      uint32
	Flags    Flags
	Keywords []string
	ModSeq   uint64
}

// StoreFlags changes the flags of the given messages (missing UIDs are
// skipped). With unchangedSince > 0 (CONDSTORE, RFC 7162 §3.1.3), messages
// whose MODSEQ is higher are left alone and returned in failed. A message
// whose flags do not change keeps its MODSEQ.
func (s *Store) StoreFlags(ctx context.Context, mb MailboxID, uids []uint32, op FlagOp, flags Flags, keywords []string, unchangedSince uint64) (updated []FlagUpdate, failed []uint32, err error) {
	flags &= flagsKnown
	err = s.update(ctx, func(t *txState) error {
		updated, failed = nil, nil
		m, err := t.mailbox(mb)
		if err != nil {
			return err
		}
		msgs := t.tx.Bucket(bucketMessages)
		for _, uid := range uids {
			k := messageKey(mb, uid)
			v := msgs.Get(k)
			if v == nil {
				continue
			}
			mv, err := decodeMessage(v)
			if err != nil {
				return err
			}
			if unchangedSince > 0 && mv.ModSeq > unchangedSince {
				failed = append(failed, uid)
				continue
			}
			nf, nk := applyFlags(mv.Flags, mv.Keywords, op, flags, keywords)
			if nf == mv.Flags && slices.Equal(nk, mv.Keywords) {
				continue
			}
			m.countFlags(mv.Flags, -1)
			m.countFlags(nf, 1)
			m.HighestModSeq++
			mv.Flags, mv.Keywords, mv.ModSeq = nf, nk, m.HighestModSeq
			if err := msgs.Put(k, mv.encode()); err != nil {
				return err
			}
			updated = append(updated, FlagUpdate{UID: uid, Flags: nf, Keywords: nk, ModSeq: mv.ModSeq})
			t.cacheOps = append(t.cacheOps, cacheOp{kind: cacheSet, mb: mb, uid: uid, flags: nf, modseq: mv.ModSeq, keywords: nk})
			t.changes = append(t.changes, Change{Kind: ChangeFlags, Account: m.Account, Mailbox: mb, UID: uid, Flags: nf, Keywords: nk, ModSeq: mv.ModSeq})
		}
		return nil
	})
	return updated, failed, err
}

func applyFlags(cur Flags, curKw []string, op FlagOp, f Flags, kw []string) (Flags, []string) {
	switch op {
	case FlagsSet:
		return f, normKeywords(kw)
	case FlagsAdd:
		return cur | f, normKeywords(append(slices.Clone(curKw), kw...))
	default:
		out := slices.DeleteFunc(slices.Clone(curKw), func(k string) bool { return slices.Contains(kw, k) })
		return cur &^ f, normKeywords(out)
	}
}

// normKeywords sorts and de-duplicates keywords; nil when empty.
func normKeywords(kw []string) []string {
	if len(kw) == 0 {
		return nil
	}
	kw = slices.Clone(kw)
	slices.Sort(kw)
	kw = slices.Compact(kw)
	return kw
}

// UIDPair maps a source UID to its UID in the destination (COPYUID).
type UIDPair struct{ Src, Dst uint32 }

// Copy adds the given messages to dst without copying their bytes. Flags
// and internal dates go with them; quota is checked as for a delivery.
func (s *Store) Copy(ctx context.Context, src MailboxID, uids []uint32, dst MailboxID, quota Quota) ([]UIDPair, error) {
	return s.copyMove(ctx, src, uids, dst, quota, false)
}

// Move is Copy followed by an expunge of the source messages, in one
// transaction (RFC 6851).
func (s *Store) Move(ctx context.Context, src MailboxID, uids []uint32, dst MailboxID) ([]UIDPair, error) {
	return s.copyMove(ctx, src, uids, dst, Quota{}, true)
}

func (s *Store) copyMove(ctx context.Context, src MailboxID, uids []uint32, dst MailboxID, quota Quota, move bool) ([]UIDPair, error) {
	var pairs []UIDPair
	err := s.update(ctx, func(t *txState) error {
		pairs = nil
		from, err := t.mailbox(src)
		if err != nil {
			return err
		}
		to, err := t.mailbox(dst)
		if err != nil {
			return err
		}
		if src == dst && move {
			return nil
		}
		sorted := slices.Clone(uids)
		slices.Sort(sorted)
		sorted = slices.Compact(sorted)
		msgs := t.tx.Bucket(bucketMessages)
		type item struct {
			uid uint32
			mv  *messageValue
		}
		var items []item
		var bytes int64
		for _, uid := range sorted {
			v := msgs.Get(messageKey(src, uid))
			if v == nil {
				continue
			}
			mv, err := decodeMessage(v)
			if err != nil {
				return err
			}
			items = append(items, item{uid, mv})
			bytes += mv.Size
		}
		if !move && (quota.Bytes > 0 || quota.Messages > 0) {
			u, err := t.usageOf(to.Account)
			if err != nil {
				return err
			}
			if (quota.Bytes > 0 && u.Bytes+bytes > quota.Bytes) || (quota.Messages > 0 && u.Messages+int64(len(items)) > quota.Messages) {
				return ErrOverQuota
			}
		}
		for _, it := range items {
			nv := *it.mv
			dstUID, err := t.addMessage(to, &nv)
			if err != nil {
				return err
			}
			pairs = append(pairs, UIDPair{Src: it.uid, Dst: dstUID})
		}
		if move {
			from.HighestModSeq++
			for _, it := range items {
				if err := t.removeMessage(from, it.uid, it.mv); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return pairs, err
}

// Expunge removes messages from a mailbox: the given UIDs that are flagged
// \Deleted, or every \Deleted message when uids is nil. It returns the UIDs
// removed, in order.
func (s *Store) Expunge(ctx context.Context, mb MailboxID, uids []uint32) ([]uint32, error) {
	return s.remove(ctx, mb, uids, true)
}

// Remove removes the given messages whatever their flags (POP3 DELE+QUIT,
// admin tools).
func (s *Store) Remove(ctx context.Context, mb MailboxID, uids []uint32) ([]uint32, error) {
	return s.remove(ctx, mb, uids, false)
}

func (s *Store) remove(ctx context.Context, mb MailboxID, uids []uint32, onlyDeleted bool) ([]uint32, error) {
	var removed []uint32
	err := s.update(ctx, func(t *txState) error {
		removed = nil
		m, err := t.mailbox(mb)
		if err != nil {
			return err
		}
		type item struct {
			uid uint32
			mv  *messageValue
		}
		var items []item
		msgs := t.tx.Bucket(bucketMessages)
		consider := func(uid uint32, v []byte) error {
			mv, err := decodeMessage(v)
			if err != nil {
				return err
			}
			if !onlyDeleted || mv.Flags&FlagDeleted != 0 {
				items = append(items, item{uid, mv})
			}
			return nil
		}
		if uids == nil {
			cur := msgs.Cursor()
			for k, v := cur.Seek(messageKey(mb, 0)); k != nil; k, v = cur.Next() {
				id, uid, ok := splitMessageKey(k)
				if !ok || id != mb {
					break
				}
				if err := consider(uid, v); err != nil {
					return err
				}
			}
		} else {
			sorted := slices.Clone(uids)
			slices.Sort(sorted)
			for _, uid := range slices.Compact(sorted) {
				if v := msgs.Get(messageKey(mb, uid)); v != nil {
					if err := consider(uid, v); err != nil {
						return err
					}
				}
			}
		}
		if len(items) == 0 {
			return nil
		}
		m.HighestModSeq++
		for _, it := range items {
			if err := t.removeMessage(m, it.uid, it.mv); err != nil {
				return err
			}
			removed = append(removed, it.uid)
		}
		return nil
	})
	return removed, err
}
