package store

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// hotCache keeps the per-message state IMAP needs at SELECT (UID, flags,
// MODSEQ) for recently used mailboxes, in parallel arrays: 14 bytes a
// message plus keywords for the few that have them. A mailbox nobody
// opened costs nothing. Updates arrive after each commit and are
// idempotent, so a load racing with a commit converges (see load).
type hotCache struct {
	limit int // messages; negative disables

	mu    sync.Mutex
	boxes map[MailboxID]*hotMailbox
	total atomic.Int64
}

type hotMailbox struct {
	mu       sync.RWMutex
	loaded   bool
	uids     []uint32
	flags    []Flags
	modseqs  []uint64
	keywords map[uint32][]string
	lastUse  atomic.Int64
}

// MessageState is the cached state of one message.
type MessageState struct {
	UID      uint32
	Flags    Flags
	ModSeq   uint64
	Keywords []string
}

type cacheOpKind uint8

const (
	cacheAdd cacheOpKind = iota
	cacheSet
	cacheRemove
	cacheDrop
)

type cacheOp struct {
	kind     cacheOpKind
	mb       MailboxID
	uid      uint32
	flags    Flags
	modseq   uint64
	keywords []string
}

func newHotCache(limit int) *hotCache {
	return &hotCache{limit: limit, boxes: make(map[MailboxID]*hotMailbox)}
}

// apply brings a loaded mailbox up to date with a committed change.
func (c *hotCache) apply(op cacheOp) {
	c.mu.Lock()
	h := c.boxes[op.mb]
	if op.kind == cacheDrop {
		delete(c.boxes, op.mb)
	}
	c.mu.Unlock()
	if h == nil || op.kind == cacheDrop {
		if h != nil {
			c.total.Add(-int64(len(h.uids)))
		}
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.loaded {
		return
	}
	i, found := slices.BinarySearch(h.uids, op.uid)
	switch op.kind {
	case cacheAdd:
		if found {
			return // the load already saw it
		}
		h.uids = slices.Insert(h.uids, i, op.uid)
		h.flags = slices.Insert(h.flags, i, op.flags)
		h.modseqs = slices.Insert(h.modseqs, i, op.modseq)
		h.setKeywords(op.uid, op.keywords)
		c.total.Add(1)
	case cacheSet:
		if found && h.modseqs[i] < op.modseq {
			h.flags[i] = op.flags
			h.modseqs[i] = op.modseq
			h.setKeywords(op.uid, op.keywords)
		}
	case cacheRemove:
		if found {
			h.uids = slices.Delete(h.uids, i, i+1)
			h.flags = slices.Delete(h.flags, i, i+1)
			h.modseqs = slices.Delete(h.modseqs, i, i+1)
			delete(h.keywords, op.uid)
			c.total.Add(-1)
		}
	}
}

func (h *hotMailbox) setKeywords(uid uint32, kw []string) {
	if len(kw) == 0 {
		delete(h.keywords, uid)
		return
	}
	if h.keywords == nil {
		h.keywords = make(map[uint32][]string)
	}
	h.keywords[uid] = kw
}

// get returns the loaded cache entry of a mailbox, loading it from the
// index if needed. The load holds the entry's lock, so commits that
// finish meanwhile wait and then apply their (idempotent) changes on top.
func (s *Store) hot(mb MailboxID) (*hotMailbox, error) {
	s.settle()
	c := s.cache
	c.mu.Lock()
	h := c.boxes[mb]
	if h == nil {
		h = &hotMailbox{}
		if c.limit >= 0 {
			c.boxes[mb] = h
		}
	}
	c.mu.Unlock()
	h.lastUse.Store(time.Now().UnixNano())
	h.mu.RLock()
	if h.loaded {
		return h, nil // returned read-locked
	}
	h.mu.RUnlock()
	h.mu.Lock()
	if !h.loaded {
		if err := s.loadHot(mb, h); err != nil {
			h.mu.Unlock()
			c.mu.Lock()
			if c.boxes[mb] == h {
				delete(c.boxes, mb)
			}
			c.mu.Unlock()
			return nil, err
		}
		if c.limit >= 0 {
			c.total.Add(int64(len(h.uids)))
		}
	}
	h.mu.Unlock()
	s.evict(mb)
	h.mu.RLock()
	return h, nil
}

func (s *Store) loadHot(mb MailboxID, h *hotMailbox) error {
	return s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMailboxes).Get(u64key(uint64(mb)))
		if v == nil {
			return ErrNoMailbox
		}
		m, err := decodeMailbox(mb, v)
		if err != nil {
			return err
		}
		n := int(m.Messages)
		h.uids = make([]uint32, 0, n)
		h.flags = make([]Flags, 0, n)
		h.modseqs = make([]uint64, 0, n)
		prefix := u64key(uint64(mb))
		cur := tx.Bucket(bucketMessages).Cursor()
		for k, v := cur.Seek(prefix); k != nil; k, v = cur.Next() {
			id, uid, ok := splitMessageKey(k)
			if !ok || id != mb {
				break
			}
			mv, err := decodeMessage(v)
			if err != nil {
				return err
			}
			h.uids = append(h.uids, uid)
			h.flags = append(h.flags, mv.Flags)
			h.modseqs = append(h.modseqs, mv.ModSeq)
			h.setKeywords(uid, mv.Keywords)
		}
		h.loaded = true
		return nil
	})
}

// evict drops the least recently used mailboxes while the cache holds more
// messages than its limit; keep is never dropped.
func (s *Store) evict(keep MailboxID) {
	c := s.cache
	for c.limit >= 0 && c.total.Load() > int64(c.limit) {
		c.mu.Lock()
		var oldest MailboxID
		var oldestT int64
		for id, h := range c.boxes {
			if t := h.lastUse.Load(); id != keep && (oldestT == 0 || t < oldestT) {
				oldest, oldestT = id, t
			}
		}
		h := c.boxes[oldest]
		if oldestT == 0 || h == nil {
			c.mu.Unlock()
			return
		}
		delete(c.boxes, oldest)
		c.mu.Unlock()
		h.mu.Lock()
		c.total.Add(-int64(len(h.uids)))
		h.loaded = false
		h.uids, h.flags, h.modseqs, h.keywords = nil, nil, nil, nil
		h.mu.Unlock()
	}
}

// States returns the UID, flags and MODSEQ of every message of a mailbox,
// in UID order, from the hot cache.
func (s *Store) States(mb MailboxID) ([]MessageState, error) {
	h, err := s.hot(mb)
	if err != nil {
		return nil, err
	}
	defer h.mu.RUnlock()
	out := make([]MessageState, len(h.uids))
	for i, uid := range h.uids {
		out[i] = MessageState{UID: uid, Flags: h.flags[i], ModSeq: h.modseqs[i], Keywords: h.keywords[uid]}
	}
	return out, nil
}

// UIDs returns the UIDs of a mailbox in order, from the hot cache.
func (s *Store) UIDs(mb MailboxID) ([]uint32, error) {
	h, err := s.hot(mb)
	if err != nil {
		return nil, err
	}
	defer h.mu.RUnlock()
	return slices.Clone(h.uids), nil
}

// CachedMessages is the number of messages in the hot cache.
func (s *Store) CachedMessages() int64 { return s.cache.total.Load() }

// reset empties the cache, after a repair changed the index under it.
func (c *hotCache) reset() {
	c.mu.Lock()
	c.boxes = make(map[MailboxID]*hotMailbox)
	c.total.Store(0)
	c.mu.Unlock()
}
