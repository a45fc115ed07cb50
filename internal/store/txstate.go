package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// txState gathers what one index transaction changes: decoded mailboxes,
// usages and containers it has touched (written back by flush), and the
// cache updates, notifications and tombstones to apply after the commit.
// Nothing in it is visible outside before afterCommit.
type txState struct {
	s          *Store
	tx         *bolt.Tx
	mailboxes  map[MailboxID]*Mailbox
	usage      map[string]*Usage
	containers map[uint64]*containerValue
	blobs      map[GUID]*blobValue

	changes  []Change
	cacheOps []cacheOp
	tombs    []GUID
	// created counts the mailboxes the transaction created.
	created int
	// published counts the changes already published: the committer
	// publishes a group's changes when it acknowledges the group.
	published int
	// deferPuts makes addMessage queue its message entry in puts instead
	// of writing it: the committer writes a group's entries (putMessages)
	// while the group's records sync, off its critical path.
	deferPuts bool
	puts      []messagePut
}

// messagePut is a message entry addMessage left for putMessages.
type messagePut struct {
	key []byte
	v   *messageValue
}

func (s *Store) newTx(tx *bolt.Tx) *txState {
	return &txState{
		s: s, tx: tx,
		mailboxes:  make(map[MailboxID]*Mailbox),
		usage:      make(map[string]*Usage),
		containers: make(map[uint64]*containerValue),
		blobs:      make(map[GUID]*blobValue),
	}
}

// afterCommit publishes what a committed transaction did.
func (s *Store) afterCommit(t *txState) {
	for _, op := range t.cacheOps {
		s.cache.apply(op)
	}
	if len(t.tombs) > 0 {
		s.tombMu.Lock()
		s.tombstones = append(s.tombstones, t.tombs...)
		s.tombMu.Unlock()
	}
	s.notify.publish(t.changes[t.published:])
}

func (t *txState) mailbox(id MailboxID) (*Mailbox, error) {
	if mb, ok := t.mailboxes[id]; ok {
		if mb == nil {
			return nil, ErrNoMailbox
		}
		return mb, nil
	}
	v := t.tx.Bucket(bucketMailboxes).Get(u64key(uint64(id)))
	if v == nil {
		return nil, ErrNoMailbox
	}
	mb, err := decodeMailbox(id, v)
	if err != nil {
		return nil, err
	}
	t.mailboxes[id] = mb
	return mb, nil
}

func (t *txState) mailboxID(account, name string) (MailboxID, bool) {
	v := t.tx.Bucket(bucketMBNames).Get(mbnameKey(account, name))
	if len(v) != 8 {
		return 0, false
	}
	return MailboxID(getU64(v)), true
}

func (t *txState) mailboxByName(account, name string) (*Mailbox, error) {
	name, err := CanonicalName(name)
	if err != nil {
		return nil, err
	}
	id, ok := t.mailboxID(account, name)
	if !ok {
		return nil, ErrNoMailbox
	}
	return t.mailbox(id)
}

// createMailbox adds an empty mailbox; the name must be canonical.
func (t *txState) createMailbox(account, name string, subscribed bool, specialUse string) (*Mailbox, error) {
	if account == "" {
		return nil, fmt.Errorf("%w: empty account", ErrBadName)
	}
	if _, exists := t.mailboxID(account, name); exists {
		return nil, ErrMailboxExists
	}
	meta := t.tx.Bucket(bucketMeta)
	id := getU64(meta.Get(keyNextMailbox)) + 1
	uv := getU64(meta.Get(keyUIDValidity))
	if now := uint64(t.s.opts.Now().Unix()); uv < now {
		uv = now // UIDVALIDITY grows with time and never repeats
	} else {
		uv++
	}
	uv &= 0xffffffff
	if uv == 0 {
		uv = 1
	}
	if err := meta.Put(keyNextMailbox, u64key(id)); err != nil {
		return nil, err
	}
	if err := meta.Put(keyUIDValidity, u64key(uv)); err != nil {
		return nil, err
	}
	mb := &Mailbox{ID: MailboxID(id), Account: account, Name: name, UIDValidity: uint32(uv), UIDNext: 1,
		HighestModSeq: 1, Subscribed: subscribed, SpecialUse: specialUse}
	if err := t.tx.Bucket(bucketMBNames).Put(mbnameKey(account, name), u64key(id)); err != nil {
		return nil, err
	}
	t.mailboxes[mb.ID] = mb
	t.created++
	t.changes = append(t.changes, Change{Kind: ChangeMailbox, Account: account, Mailbox: mb.ID, Name: name})
	return mb, nil
}

func (t *txState) usageOf(account string) (*Usage, error) {
	if u, ok := t.usage[account]; ok {
		return u, nil
	}
	u := &Usage{}
	if v := t.tx.Bucket(bucketAccounts).Get([]byte(account)); v != nil {
		d, err := decodeUsage(v)
		if err != nil {
			return nil, err
		}
		*u = d
	}
	t.usage[account] = u
	return u, nil
}

func (t *txState) container(id uint64) (*containerValue, error) {
	if c, ok := t.containers[id]; ok {
		return c, nil
	}
	v := t.tx.Bucket(bucketContainers).Get(u64key(id))
	if v == nil {
		return nil, fmt.Errorf("store: container %016x not in index", id)
	}
	c, err := decodeContainer(v)
	if err != nil {
		return nil, err
	}
	t.containers[id] = c
	return c, nil
}

func (t *txState) blob(g GUID) (*blobValue, error) {
	if b, ok := t.blobs[g]; ok {
		return b, nil
	}
	v := t.tx.Bucket(bucketBlobs).Get(g[:])
	if v == nil {
		return nil, fmt.Errorf("%w: blob %s", ErrNoMessage, g)
	}
	b, err := decodeBlob(v)
	if err != nil {
		return nil, err
	}
	t.blobs[g] = b
	return b, nil
}

// addMessage puts a message into a mailbox with the next UID and MODSEQ,
// taking a reference on its blob.
func (t *txState) addMessage(mb *Mailbox, v *messageValue) (uint32, error) {
	b, err := t.blob(v.GUID)
	if err != nil {
		return 0, err
	}
	if b.Refs == 0 {
		return 0, fmt.Errorf("%w: blob %s is dead", ErrNoMessage, v.GUID)
	}
	uid := mb.UIDNext
	if uid == 0 || uid == 0xffffffff {
		return 0, fmt.Errorf("store: mailbox %q has run out of UIDs", mb.Name)
	}
	mb.UIDNext++
	mb.HighestModSeq++
	v.ModSeq = mb.HighestModSeq
	v.Flags &= flagsKnown
	if t.deferPuts {
		t.puts = append(t.puts, messagePut{messageKey(mb.ID, uid), v})
	} else if err := t.tx.Bucket(bucketMessages).Put(messageKey(mb.ID, uid), v.encode()); err != nil {
		return 0, err
	}
	b.Refs++
	mb.Messages++
	mb.Bytes += v.Size
	mb.countFlags(v.Flags, 1)
	u, err := t.usageOf(mb.Account)
	if err != nil {
		return 0, err
	}
	u.Bytes += v.Size
	u.Messages++
	t.cacheOps = append(t.cacheOps, cacheOp{kind: cacheAdd, mb: mb.ID, uid: uid, flags: v.Flags, modseq: v.ModSeq, keywords: v.Keywords})
	t.changes = append(t.changes, Change{Kind: ChangeAppend, Account: mb.Account, Mailbox: mb.ID, UID: uid, Flags: v.Flags, Keywords: v.Keywords, ModSeq: v.ModSeq})
	return uid, nil
}

// removeMessage takes a message out of its mailbox and drops its blob
// reference; the last reference makes the record dead. modseq is the
// mailbox's MODSEQ for the expunge (0 to allocate one).
func (t *txState) removeMessage(mb *Mailbox, uid uint32, v *messageValue) error {
	if err := t.tx.Bucket(bucketMessages).Delete(messageKey(mb.ID, uid)); err != nil {
		return err
	}
	mb.Messages--
	mb.Bytes -= v.Size
	mb.countFlags(v.Flags, -1)
	u, err := t.usageOf(mb.Account)
	if err != nil {
		return err
	}
	u.Bytes -= v.Size
	u.Messages--
	if err := t.unref(v.GUID); err != nil {
		return err
	}
	t.cacheOps = append(t.cacheOps, cacheOp{kind: cacheRemove, mb: mb.ID, uid: uid})
	t.changes = append(t.changes, Change{Kind: ChangeExpunge, Account: mb.Account, Mailbox: mb.ID, UID: uid, ModSeq: mb.HighestModSeq})
	return nil
}

func (t *txState) unref(g GUID) error {
	b, err := t.blob(g)
	if err != nil {
		return err
	}
	if b.Refs == 0 {
		return fmt.Errorf("store: blob %s reference count underflow", g)
	}
	b.Refs--
	if b.Refs > 0 {
		return nil
	}
	c, err := t.container(b.Container)
	if err != nil {
		return err
	}
	c.Live -= b.recordSize()
	c.LiveCount--
	t.tombs = append(t.tombs, g)
	return nil
}

// countFlags keeps the Unseen and Deleted counters; d is +1 or -1.
func (mb *Mailbox) countFlags(f Flags, d int) {
	if f&FlagSeen == 0 {
		mb.Unseen = uint32(int(mb.Unseen) + d)
	}
	if f&FlagDeleted != 0 {
		mb.Deleted = uint32(int(mb.Deleted) + d)
	}
}

// putMessages writes the message entries addMessage queued.
func (t *txState) putMessages() error {
	if h := t.s.opts.hooks; h != nil && h.indexPut != nil && len(t.puts) > 0 {
		if err := h.indexPut(); err != nil {
			return err
		}
	}
	ms := t.tx.Bucket(bucketMessages)
	for i, p := range t.puts {
		if err := ms.Put(p.key, p.v.encode()); err != nil {
			return err
		}
		t.puts[i] = messagePut{} // the values are not kept alive
	}
	t.puts = t.puts[:0]
	return nil
}

// flush writes back everything the transaction changed.
func (t *txState) flush() error {
	if err := t.putMessages(); err != nil {
		return err
	}
	mbs := t.tx.Bucket(bucketMailboxes)
	for id, mb := range t.mailboxes {
		if mb == nil {
			continue
		}
		if err := mbs.Put(u64key(uint64(id)), encodeMailbox(mb)); err != nil {
			return err
		}
	}
	accts := t.tx.Bucket(bucketAccounts)
	for a, u := range t.usage {
		if err := accts.Put([]byte(a), encodeUsage(*u)); err != nil {
			return err
		}
	}
	cs := t.tx.Bucket(bucketContainers)
	for id, c := range t.containers {
		if err := cs.Put(u64key(id), c.encode()); err != nil {
			return err
		}
	}
	// In key order: bbolt then walks its leaves once instead of jumping
	// between them (a compaction switch writes tens of thousands).
	bs := t.tx.Bucket(bucketBlobs)
	guids := make([]GUID, 0, len(t.blobs))
	for g := range t.blobs {
		guids = append(guids, g)
	}
	slices.SortFunc(guids, func(a, b GUID) int { return bytes.Compare(a[:], b[:]) })
	for _, g := range guids {
		if err := bs.Put(g[:], t.blobs[g].encode()); err != nil {
			return err
		}
	}
	// Tombstones wait in memory for the committer's next batch; the queue
	// keeps them across a crash, and recover hands them back.
	q := t.tx.Bucket(bucketTombQueue)
	for _, g := range t.tombs {
		if err := q.Put(g[:], []byte{}); err != nil {
			return err
		}
	}
	return nil
}

// CanonicalName validates a mailbox name and returns its canonical form:
// INBOX in any case is "INBOX".
func CanonicalName(name string) (string, error) {
	if name == "" || len(name) > 1024 || !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: %q", ErrBadName, name)
	}
	if strings.EqualFold(name, Inbox) {
		return Inbox, nil
	}
	if up, rest, ok := strings.Cut(name, string(Delimiter)); ok && strings.EqualFold(up, Inbox) {
		name = Inbox + string(Delimiter) + rest
	}
	for _, level := range strings.Split(name, string(Delimiter)) {
		if level == "" {
			return "", fmt.Errorf("%w: %q has an empty level", ErrBadName, name)
		}
	}
	if strings.ContainsAny(name, "\x00\r\n*%") {
		return "", fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return name, nil
}
