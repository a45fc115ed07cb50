package store

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Index buckets. Keys are big-endian so that bbolt's order is numeric.
//
//	meta        "next_container", "next_mailbox", "uidvalidity", "active",
//	            "compaction" (intent, see compact.go)
//	mbnames     account \x00 name           -> mailbox id (u64)
//	mailboxes   mailbox id (u64)            -> mailboxValue
//	messages    mailbox id (u64) + uid (u32) -> messageValue
//	blobs       GUID (16)                   -> blobValue
//	containers  container id (u64)          -> containerValue
//	accounts    account                     -> usage (bytes, messages)
//	tombqueue   GUID (16)                   -> "" (dead; its tombstone is not in a container yet)
var (
	bucketMeta       = []byte("meta")
	bucketMBNames    = []byte("mbnames")
	bucketMailboxes  = []byte("mailboxes")
	bucketMessages   = []byte("messages")
	bucketBlobs      = []byte("blobs")
	bucketContainers = []byte("containers")
	bucketAccounts   = []byte("accounts")
	bucketTombQueue  = []byte("tombqueue")
	allBuckets       = [][]byte{bucketMeta, bucketMBNames, bucketMailboxes, bucketMessages, bucketBlobs, bucketContainers, bucketAccounts, bucketTombQueue}

	keyNextContainer = []byte("next_container")
	keyNextMailbox   = []byte("next_mailbox")
	keyUIDValidity   = []byte("uidvalidity")
	keyActive        = []byte("active")
	keyCompaction    = []byte("compaction")
	keyFormat        = []byte("format")
)

const indexFormat = 1

func u64key(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func mbnameKey(account, name string) []byte {
	k := make([]byte, 0, len(account)+1+len(name))
	k = append(k, account...)
	k = append(k, 0)
	return append(k, name...)
}

func messageKey(mb MailboxID, uid uint32) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k, uint64(mb))
	binary.BigEndian.PutUint32(k[8:], uid)
	return k
}

func splitMessageKey(k []byte) (MailboxID, uint32, bool) {
	if len(k) != 12 {
		return 0, 0, false
	}
	return MailboxID(binary.BigEndian.Uint64(k)), binary.BigEndian.Uint32(k[8:]), true
}

func encodeMailbox(m *Mailbox) []byte {
	var e encoder
	e.str(m.Account)
	e.str(m.Name)
	e.uvarint(uint64(m.UIDValidity))
	e.uvarint(uint64(m.UIDNext))
	e.uvarint(m.HighestModSeq)
	e.uvarint(uint64(m.Messages))
	e.uvarint(uint64(m.Unseen))
	e.uvarint(uint64(m.Deleted))
	e.varint(m.Bytes)
	sub := uint64(0)
	if m.Subscribed {
		sub = 1
	}
	e.uvarint(sub)
	e.str(m.SpecialUse)
	return e.b
}

func decodeMailbox(id MailboxID, b []byte) (*Mailbox, error) {
	d := decoder{b: b}
	m := &Mailbox{ID: id, Account: d.str(), Name: d.str()}
	m.UIDValidity = uint32(d.uvarint())
	m.UIDNext = uint32(d.uvarint())
	m.HighestModSeq = d.uvarint()
	m.Messages = uint32(d.uvarint())
	m.Unseen = uint32(d.uvarint())
	m.Deleted = uint32(d.uvarint())
	m.Bytes = d.varint()
	m.Subscribed = d.uvarint() == 1
	m.SpecialUse = d.str()
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("store: decode mailbox %d: %w", id, err)
	}
	return m, nil
}

// messageValue is a message's entry in a mailbox.
type messageValue struct {
	Flags    Flags
	ModSeq   uint64
	Date     int64 // unix seconds
	TZ       int32 // seconds east of UTC
	Size     int64
	GUID     GUID
	Keywords []string
}

func (v *messageValue) encode() []byte {
	var e encoder
	e.b = make([]byte, 0, 40)
	e.uvarint(uint64(v.Flags))
	e.uvarint(v.ModSeq)
	e.varint(v.Date)
	e.varint(int64(v.TZ))
	e.uvarint(uint64(v.Size))
	e.raw(v.GUID[:])
	e.strs(v.Keywords)
	return e.b
}

func decodeMessage(b []byte) (*messageValue, error) {
	d := decoder{b: b}
	v := &messageValue{Flags: Flags(d.uvarint()), ModSeq: d.uvarint(), Date: d.varint(), TZ: int32(d.varint())}
	v.Size = int64(d.uvarint())
	copy(v.GUID[:], d.fixed(16))
	v.Keywords = d.strs()
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("store: decode message: %w", err)
	}
	return v, nil
}

func (v *messageValue) info(uid uint32) MessageInfo {
	return MessageInfo{
		UID: uid, Flags: v.Flags, Keywords: v.Keywords, ModSeq: v.ModSeq,
		InternalDate: time.Unix(v.Date, 0).In(time.FixedZone("", int(v.TZ))),
		Size:         v.Size, GUID: v.GUID,
	}
}

// blobValue locates a stored body and counts the messages that use it. A
// blob with no references is dead: its record is garbage until compaction
// removes it, and the entry goes with it.
type blobValue struct {
	Container uint64
	Offset    int64 // of the record
	MetaLen   uint32
	BodyLen   uint32
	Refs      uint32
	Summary   []byte // message.Summary, encoded
}

func (v *blobValue) recordSize() int64 { return recordHeaderSize + int64(v.MetaLen) + int64(v.BodyLen) }
func (v *blobValue) bodyOffset() int64 { return v.Offset + recordHeaderSize + int64(v.MetaLen) }

func (v *blobValue) encode() []byte {
	var e encoder
	e.uvarint(v.Container)
	e.uvarint(uint64(v.Offset))
	e.uvarint(uint64(v.MetaLen))
	e.uvarint(uint64(v.BodyLen))
	e.uvarint(uint64(v.Refs))
	e.bytes(v.Summary)
	return e.b
}

func decodeBlob(b []byte) (*blobValue, error) {
	d := decoder{b: b}
	v := &blobValue{Container: d.uvarint(), Offset: int64(d.uvarint())}
	v.MetaLen = uint32(d.uvarint())
	v.BodyLen = uint32(d.uvarint())
	v.Refs = uint32(d.uvarint())
	v.Summary = d.bytes()
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("store: decode blob: %w", err)
	}
	if v.Offset < containerHeaderSize || v.MetaLen > maxMetaLen || v.BodyLen > maxBodyLen {
		return nil, fmt.Errorf("store: decode blob: location out of range")
	}
	return v, nil
}

// containerValue is the index's view of one container. Size is the
// committed length: every record below it is accounted for, as live (a
// blob with references points at it) or dead. Dead bytes are Size minus
// the header minus Live.
type containerValue struct {
	Size      int64
	Live      int64
	LiveCount int64
	Sealed    bool
}

func (v *containerValue) dead() int64 { return v.Size - containerHeaderSize - v.Live }

func (v *containerValue) encode() []byte {
	var e encoder
	e.uvarint(uint64(v.Size))
	e.uvarint(uint64(v.Live))
	e.uvarint(uint64(v.LiveCount))
	s := uint64(0)
	if v.Sealed {
		s = 1
	}
	e.uvarint(s)
	return e.b
}

func decodeContainer(b []byte) (*containerValue, error) {
	d := decoder{b: b}
	v := &containerValue{Size: int64(d.uvarint()), Live: int64(d.uvarint()), LiveCount: int64(d.uvarint()), Sealed: d.uvarint() == 1}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("store: decode container: %w", err)
	}
	if v.Size < containerHeaderSize || v.Live < 0 || v.Live > v.Size-containerHeaderSize || v.LiveCount < 0 {
		return nil, fmt.Errorf("store: decode container: sizes out of range")
	}
	return v, nil
}

func encodeUsage(u Usage) []byte {
	var e encoder
	e.varint(u.Bytes)
	e.varint(u.Messages)
	return e.b
}

func decodeUsage(b []byte) (Usage, error) {
	d := decoder{b: b}
	u := Usage{Bytes: d.varint(), Messages: d.varint()}
	if err := d.finish(); err != nil {
		return Usage{}, fmt.Errorf("store: decode usage: %w", err)
	}
	return u, nil
}
