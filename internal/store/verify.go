package store

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/axmail/axmail/internal/binenc"
)

// indexFix is what verifyIndex found, and what a repair must change.
type indexFix struct {
	problems  []Problem
	messages  int64
	mailboxes int

	danglingMessages [][]byte        // message keys whose body is gone
	badBlobs         []GUID          // blob entries whose record is gone
	relocate         map[GUID]recLoc // blob entries pointing at the wrong place
	orphans          []GUID          // records no blob entry points at
	missing          []uint64        // containers in the index without a file
	unknown          []uint64        // container files the index does not know

	// What joinScan needs of a verification made without the scan.
	blobs   blobTable
	indexed map[uint64]bool
}

// blobEntry is a blob entry as a check sees it.
type blobEntry struct {
	guid GUID
	ref  blobRef
	refs uint32 // message entries that name it
	bad  bool   // undecodable, or no intact record where it says
}

// blobTable holds the blob entries in GUID order, the index's own: a
// sorted slice costs a third of the memory of maps by GUID, which a
// check of millions of messages would otherwise fill.
type blobTable []blobEntry

// findNear returns the entry of g, or nil. Lookups come in mostly
// increasing GUID order (messages in UID order, records in container
// order), so it gallops forward from the entry after the last one found
// (*from, updated) before it bisects: a run of neighbours costs a
// comparison or two each instead of a search of the whole table.
func (t blobTable) findNear(g GUID, from *int) *blobEntry {
	lo, hi := gallop(len(t), *from, func(i int) bool { return bytes.Compare(t[i].guid[:], g[:]) < 0 })
	i, ok := slices.BinarySearchFunc(t[lo:hi], g, func(e blobEntry, g GUID) int { return bytes.Compare(e.guid[:], g[:]) })
	*from = lo + i
	if !ok {
		return nil
	}
	*from = lo + i + 1
	return &t[lo+i]
}

// gallop narrows the search of n sorted entries for a target to [lo, hi),
// starting from entry from, where the last search ended: less(i) reports
// whether entry i sorts before the target. It steps forward 1, 2, 4...
// entries, so a target near from costs a comparison or two; a target
// before from starts it over from 0.
func gallop(n, from int, less func(i int) bool) (lo, hi int) {
	lo = from
	if lo > n || (lo > 0 && !less(lo-1)) {
		lo = 0
	}
	// Every entry before lo sorts before the target.
	hi, step := lo, 1
	for hi < n && less(hi) {
		lo = hi + 1
		hi += step
		step *= 2
	}
	return lo, min(hi+1, n)
}

type mailboxCount struct {
	messages, unseen, deleted uint32
	bytes                     int64
	maxModSeq                 uint64
	maxUID                    uint32
}

// blobRef is the part of a blob entry a check compares: no summary.
type blobRef struct {
	Container uint64
	Offset    int64
	MetaLen   uint32
	BodyLen   uint32
	Refs      uint32
}

func (b blobRef) recordSize() int64 { return recordHeaderSize + int64(b.MetaLen) + int64(b.BodyLen) }

// verifyIndex compares the index with a scan of the containers. With a
// nil scan it verifies the index alone, as if every blob entry's record
// were where it says, so that it can run while the containers are read;
// joinScan then finishes it.
// records is how many message records to expect, to size the maps.
func verifyIndex(tx *bolt.Tx, sc *storeScan, records int, files map[uint64]string, limits map[uint64]int64, exists func(uint64) bool) (*indexFix, error) {
	hint := records + records/8
	f := &indexFix{relocate: make(map[GUID]recLoc)}
	add := func(kind, path string, off int64, format string, args ...any) {
		f.problems = append(f.problems, Problem{Kind: kind, Path: path, Offset: off, Message: fmt.Sprintf(format, args...)})
	}
	// Compare files with the index as this transaction sees it; a container
	// created since the file list was taken is not missing (online check).
	indexed := make(map[uint64]bool)
	if err := tx.Bucket(bucketContainers).ForEach(func(k, _ []byte) error {
		indexed[getU64(k)] = true
		return nil
	}); err != nil {
		return nil, err
	}
	for id := range indexed {
		if _, ok := files[id]; !ok && !exists(id) {
			add("missing_container", "", 0, "container %016x is in the index but has no file", id)
			f.missing = append(f.missing, id)
		}
	}
	for id, p := range files {
		if !indexed[id] {
			add("unknown_container", p, 0, "container %016x is not in the index", id)
			f.unknown = append(f.unknown, id)
		}
	}

	// Blobs against records. The bucket is in key order, so the table is
	// sorted as it is filled.
	blobs := make(blobTable, 0, hint)
	err := tx.Bucket(bucketBlobs).ForEach(func(k, v []byte) error {
		var g GUID
		if len(k) != len(g) {
			add("index", "", 0, "blob key of %d bytes", len(k))
			return nil
		}
		copy(g[:], k)
		b, err := decodeBlobRef(v)
		if err != nil {
			add("index", "", 0, "blob %s: %v", g, err)
			blobs = append(blobs, blobEntry{guid: g, bad: true})
			f.badBlobs = append(f.badBlobs, g)
			return nil
		}
		blobs = append(blobs, blobEntry{guid: g, ref: b})
		e := &blobs[len(blobs)-1]
		if limit, known := limits[b.Container]; (known && b.Offset >= limit) || (!known && indexed[b.Container]) {
			return nil // written after the scan began (online check)
		}
		if sc == nil || sc.holds(g, b) {
			return nil
		}
		loc, ok := sc.records()[g] // built on the first disagreement only
		if ok && loc.metaLen == b.MetaLen && loc.bodyLen == b.BodyLen && (loc.container != b.Container || loc.offset != b.Offset) {
			add("misplaced", files[loc.container], loc.offset, "message %s is here, index says container %016x offset %d", g, b.Container, b.Offset)
			f.relocate[g] = loc
			e.ref.Container, e.ref.Offset = loc.container, loc.offset
			return nil
		}
		if !ok || loc.container != b.Container || loc.offset != b.Offset || loc.metaLen != b.MetaLen || loc.bodyLen != b.BodyLen {
			add("dangling", files[b.Container], b.Offset, "message %s (%d references) has no intact record there", g, b.Refs)
			e.bad = true
			f.badBlobs = append(f.badBlobs, g)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Mailboxes and their names.
	mailboxes := make(map[MailboxID]*Mailbox)
	err = tx.Bucket(bucketMailboxes).ForEach(func(k, v []byte) error {
		id := MailboxID(getU64(k))
		mb, err := decodeMailbox(id, v)
		if err != nil {
			add("index", "", 0, "%v", err)
			return nil
		}
		mailboxes[id] = mb
		return nil
	})
	if err != nil {
		return nil, err
	}
	f.mailboxes = len(mailboxes)
	named := make(map[MailboxID]bool)
	err = tx.Bucket(bucketMBNames).ForEach(func(k, v []byte) error {
		id := MailboxID(getU64(v))
		mb, ok := mailboxes[id]
		if !ok || string(mbnameKey(mb.Account, mb.Name)) != string(k) {
			add("index", "", 0, "mailbox name %q points at mailbox %d, which has another name or none", k, id)
			return nil
		}
		named[id] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	for id, mb := range mailboxes {
		if !named[id] {
			add("index", "", 0, "mailbox %d (%s %q) has no name entry", id, mb.Account, mb.Name)
		}
	}

	// Messages: references, UIDs, counters.
	counts := make(map[MailboxID]*mailboxCount)
	near := 0
	err = tx.Bucket(bucketMessages).ForEach(func(k, v []byte) error {
		id, uid, ok := splitMessageKey(k)
		mv, err := decodeMessageRef(v)
		if !ok || err != nil {
			add("index", "", 0, "message entry %x: %v", k, err)
			f.danglingMessages = append(f.danglingMessages, k)
			return nil
		}
		mb := mailboxes[id]
		if mb == nil {
			add("dangling", "", 0, "message uid %d belongs to missing mailbox %d", uid, id)
			f.danglingMessages = append(f.danglingMessages, k)
			return nil
		}
		e := blobs.findNear(mv.GUID, &near)
		if e == nil || e.bad {
			add("dangling", "", 0, "%s %q uid %d: message %s is missing", mb.Account, mb.Name, uid, mv.GUID)
			f.danglingMessages = append(f.danglingMessages, k)
			return nil
		}
		if int64(e.ref.BodyLen) != mv.Size {
			add("index", "", 0, "%s %q uid %d: size %d, record has %d", mb.Account, mb.Name, uid, mv.Size, e.ref.BodyLen)
		}
		f.messages++
		e.refs++
		c := counts[id]
		if c == nil {
			c = &mailboxCount{}
			counts[id] = c
		}
		if uid == 0 || uid >= mb.UIDNext {
			add("uid", "", 0, "%s %q: uid %d not below UIDNEXT %d", mb.Account, mb.Name, uid, mb.UIDNext)
		}
		c.count(mv, uid)
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Reference counts and container statistics.
	live := make(map[uint64]*containerValue)
	for _, e := range blobs {
		if e.bad {
			continue
		}
		b := e.ref
		if b.Refs != e.refs {
			add("refcount", files[b.Container], b.Offset, "message %s has %d references, index says %d", e.guid, e.refs, b.Refs)
		}
		if e.refs > 0 {
			c := live[b.Container]
			if c == nil {
				c = &containerValue{}
				live[b.Container] = c
			}
			c.Live += b.recordSize()
			c.LiveCount++
		}
	}
	err = tx.Bucket(bucketContainers).ForEach(func(k, v []byte) error {
		id := getU64(k)
		cv, err := decodeContainer(v)
		if err != nil {
			return nil // reported when limits were read
		}
		want := live[id]
		if want == nil {
			want = &containerValue{}
		}
		if cv.Live != want.Live || cv.LiveCount != want.LiveCount {
			add("container_stats", files[id], 0, "live %d bytes in %d records, index says %d in %d", want.Live, want.LiveCount, cv.Live, cv.LiveCount)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Mailbox counters and account usage.
	usage := make(map[string]Usage)
	for id, mb := range mailboxes {
		c := counts[id]
		if c == nil {
			c = &mailboxCount{}
		}
		u := usage[mb.Account]
		u.Bytes += c.bytes
		u.Messages += int64(c.messages)
		usage[mb.Account] = u
		if mb.Messages != c.messages || mb.Bytes != c.bytes || mb.Unseen != c.unseen || mb.Deleted != c.deleted {
			add("counter", "", 0, "%s %q: %d messages, %d bytes, %d unseen, %d deleted; index says %d, %d, %d, %d",
				mb.Account, mb.Name, c.messages, c.bytes, c.unseen, c.deleted, mb.Messages, mb.Bytes, mb.Unseen, mb.Deleted)
		}
		if c.maxModSeq > mb.HighestModSeq {
			add("modseq", "", 0, "%s %q: a message has MODSEQ %d above HIGHESTMODSEQ %d", mb.Account, mb.Name, c.maxModSeq, mb.HighestModSeq)
		}
	}
	err = tx.Bucket(bucketAccounts).ForEach(func(k, v []byte) error {
		u, err := decodeUsage(v)
		if err != nil {
			add("index", "", 0, "usage of %q: %v", k, err)
			return nil
		}
		if want := usage[string(k)]; u != want {
			add("usage", "", 0, "account %q uses %d bytes in %d messages, index says %d in %d", k, want.Bytes, want.Messages, u.Bytes, u.Messages)
		}
		delete(usage, string(k))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for a, u := range usage {
		if u != (Usage{}) {
			add("usage", "", 0, "account %q has no usage entry", a)
		}
	}

	f.blobs, f.indexed = blobs, indexed
	if sc != nil {
		f.addOrphans(sc, files, limits, nil)
	}
	return f, nil
}

// joinScan finishes a verification made without the scan. It reports
// false when the scan disagrees with a blob entry: the verification must
// then be made again with the scan, which also sees what follows from it
// (dangling messages, counters without them).
func (f *indexFix) joinScan(sc *storeScan, files map[uint64]string, limits map[uint64]int64) bool {
	cursors := make(map[uint64]*joinCursor, len(sc.byContainer))
	var cur *joinCursor
	for _, e := range f.blobs {
		if e.bad {
			continue
		}
		b := e.ref
		if limit, known := limits[b.Container]; (known && b.Offset >= limit) || (!known && f.indexed[b.Container]) {
			continue
		}
		if cur == nil || cur.id != b.Container {
			if cur = cursors[b.Container]; cur == nil {
				cur = &joinCursor{id: b.Container, recs: sc.byContainer[b.Container]}
				cursors[b.Container] = cur
			}
		}
		if !cur.match(e.guid, b) {
			return false
		}
	}
	f.addOrphans(sc, files, limits, cursors)
	return true
}

// joinCursor matches blob entries with one container's records, which are
// in offset order. Blob entries come in GUID order, and GUIDs grow with
// time as a container's records do, so the record sought is most often the
// one after the last found: match gallops from there before it bisects.
type joinCursor struct {
	id      uint64
	recs    []scannedRecord
	next    int
	matched []bool
}

// find returns the index of g's record where b says, if the container
// holds it there, intact.
func (c *joinCursor) find(g GUID, b blobRef) (int, bool) {
	lo, hi := gallop(len(c.recs), c.next, func(i int) bool { return c.recs[i].loc.offset < b.Offset })
	i, found := slices.BinarySearchFunc(c.recs[lo:hi], b.Offset, func(r scannedRecord, off int64) int { return cmp.Compare(r.loc.offset, off) })
	if !found {
		return 0, false
	}
	r := c.recs[lo+i]
	return lo + i, r.guid == g && r.loc.metaLen == b.MetaLen && r.loc.bodyLen == b.BodyLen
}

// match is find, marking the record found and going on from it.
func (c *joinCursor) match(g GUID, b blobRef) bool {
	i, ok := c.find(g, b)
	if !ok {
		return false
	}
	if c.matched == nil {
		c.matched = make([]bool, len(c.recs))
	}
	c.matched[i] = true
	c.next = i + 1
	return true
}

// addOrphans reports the intact records that nothing points at, once per
// GUID however many copies the containers hold. joined, if not nil, holds
// joinScan's cursors, which marked the records a blob entry points at:
// only the others need a look-up.
func (f *indexFix) addOrphans(sc *storeScan, files map[uint64]string, limits map[uint64]int64, joined map[uint64]*joinCursor) {
	var reported map[GUID]bool
	near := 0
	for _, id := range sc.ids {
		if _, known := limits[id]; !known && f.indexed[id] {
			continue // a container begun after the check started: uncommitted bytes
		}
		var m []bool
		if c := joined[id]; c != nil {
			m = c.matched
		}
		for i, r := range sc.byContainer[id] {
			if m != nil && m[i] {
				continue
			}
			g, loc := r.guid, r.loc
			e := f.blobs.findNear(g, &near)
			if e != nil && e.ref.Container == loc.container && e.ref.Offset == loc.offset {
				continue
			}
			if sc.isTombstoned(g) {
				continue
			}
			if e != nil && !e.bad {
				continue // a second copy of a stored message: garbage, not an orphan
			}
			if reported[g] {
				continue
			}
			if reported == nil {
				reported = make(map[GUID]bool)
			}
			reported[g] = true
			f.problems = append(f.problems, Problem{Kind: "orphan", Path: files[loc.container], Offset: loc.offset,
				Message: fmt.Sprintf("message %s is referenced by nothing", g)})
			f.orphans = append(f.orphans, g)
		}
	}
}

// messageRef is the part of a message entry a check compares: no
// keywords, which it only validates.
type messageRef struct {
	Flags  Flags
	ModSeq uint64
	Size   int64
	GUID   GUID
}

// decodeMessageRef validates a message entry as decodeMessage does and
// returns what a check needs of it, without allocating.
func decodeMessageRef(b []byte) (messageRef, error) {
	d := binenc.NewDecoder(b)
	v := messageRef{Flags: Flags(d.Uvarint()), ModSeq: d.Uvarint()}
	d.Varint()
	d.Varint()
	v.Size = int64(d.Uvarint())
	copy(v.GUID[:], d.Fixed(16))
	k := d.Count(1)
	for i := 0; i < k && d.Err() == nil; i++ {
		d.Bytes()
	}
	if err := d.Finish(); err != nil {
		return v, fmt.Errorf("store: decode message: %w", err)
	}
	return v, nil
}

// decodeBlobRef validates a blob entry as decodeBlob does and returns what
// a check needs of it, without allocating.
func decodeBlobRef(b []byte) (blobRef, error) {
	d := binenc.NewDecoder(b)
	v := blobRef{Container: d.Uvarint(), Offset: int64(d.Uvarint())}
	v.MetaLen = uint32(d.Uvarint())
	v.BodyLen = uint32(d.Uvarint())
	v.Refs = uint32(d.Uvarint())
	d.Bytes() // summary
	if err := d.Finish(); err != nil {
		return v, fmt.Errorf("store: decode blob: %w", err)
	}
	if v.Offset < containerHeaderSize || v.MetaLen > maxMetaLen || v.BodyLen > maxBodyLen {
		return v, fmt.Errorf("store: decode blob: location out of range")
	}
	return v, nil
}

func (c *mailboxCount) count(mv messageRef, uid uint32) {
	c.messages++
	c.bytes += mv.Size
	if mv.Flags&FlagSeen == 0 {
		c.unseen++
	}
	if mv.Flags&FlagDeleted != 0 {
		c.deleted++
	}
	c.maxModSeq = max(c.maxModSeq, mv.ModSeq)
	c.maxUID = max(c.maxUID, uid)
}
