package store

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/axmail/axmail/internal/binenc"
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
	// bucketCompactions holds the intent of each compaction group in
	// progress, keyed by its output container's id.
	bucketCompactions = []byte("compactions")
	allBuckets        = [][]byte{bucketMeta, bucketMBNames, bucketMailboxes, bucketMessages, bucketBlobs, bucketContainers, bucketAccounts, bucketTombQueue, bucketCompactions}

	keyNextContainer = []byte("next_container")
	keyNextMailbox   = []byte("next_mailbox")
	keyUIDValidity   = []byte("uidvalidity")
	keyActive        = []byte("active")
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
	var e binenc.Encoder
	e.Str(m.Account)
	e.Str(m.Name)
	e.Uvarint(uint64(m.UIDValidity))
	e.Uvarint(uint64(m.UIDNext))
	e.Uvarint(m.HighestModSeq)
	e.Uvarint(uint64(m.Messages))
	e.Uvarint(uint64(m.Unseen))
	e.Uvarint(uint64(m.Deleted))
	e.Varint(m.Bytes)
	sub := uint64(0)
	if m.Subscribed {
		sub = 1
	}
	e.Uvarint(sub)
	e.Str(m.SpecialUse)
	return e.B
}

func decodeMailbox(id MailboxID, b []byte) (*Mailbox, error) {
	d := binenc.NewDecoder(b)
	m := &Mailbox{ID: id, Account: d.Str(), Name: d.Str()}
	m.UIDValidity = uint32(d.Uvarint())
	m.UIDNext = uint32(d.Uvarint())
	m.HighestModSeq = d.Uvarint()
	m.Messages = uint32(d.Uvarint())
	m.Unseen = uint32(d.Uvarint())
	m.Deleted = uint32(d.Uvarint())
	m.Bytes = d.Varint()
	m.Subscribed = d.Uvarint() == 1
	m.SpecialUse = d.Str()
	if err := d.Finish(); err != nil {
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
	var e binenc.Encoder
	e.B = make([]byte, 0, 40)
	e.Uvarint(uint64(v.Flags))
	e.Uvarint(v.ModSeq)
	e.Varint(v.Date)
	e.Varint(int64(v.TZ))
	e.Uvarint(uint64(v.Size))
	e.Raw(v.GUID[:])
	e.Strs(v.Keywords)
	return e.B
}

func decodeMessage(b []byte) (*messageValue, error) {
	d := binenc.NewDecoder(b)
	v := &messageValue{Flags: Flags(d.Uvarint()), ModSeq: d.Uvarint(), Date: d.Varint(), TZ: int32(d.Varint())}
	v.Size = int64(d.Uvarint())
	copy(v.GUID[:], d.Fixed(16))
	v.Keywords = d.Strs()
	if err := d.Finish(); err != nil {
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
	var e binenc.Encoder
	e.Uvarint(v.Container)
	e.Uvarint(uint64(v.Offset))
	e.Uvarint(uint64(v.MetaLen))
	e.Uvarint(uint64(v.BodyLen))
	e.Uvarint(uint64(v.Refs))
	e.Bytes(v.Summary)
	return e.B
}

func decodeBlob(b []byte) (*blobValue, error) {
	d := binenc.NewDecoder(b)
	v := &blobValue{Container: d.Uvarint(), Offset: int64(d.Uvarint())}
	v.MetaLen = uint32(d.Uvarint())
	v.BodyLen = uint32(d.Uvarint())
	v.Refs = uint32(d.Uvarint())
	v.Summary = d.Bytes()
	if err := d.Finish(); err != nil {
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
	var e binenc.Encoder
	e.Uvarint(uint64(v.Size))
	e.Uvarint(uint64(v.Live))
	e.Uvarint(uint64(v.LiveCount))
	s := uint64(0)
	if v.Sealed {
		s = 1
	}
	e.Uvarint(s)
	return e.B
}

func decodeContainer(b []byte) (*containerValue, error) {
	d := binenc.NewDecoder(b)
	v := &containerValue{Size: int64(d.Uvarint()), Live: int64(d.Uvarint()), LiveCount: int64(d.Uvarint()), Sealed: d.Uvarint() == 1}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("store: decode container: %w", err)
	}
	if v.Size < containerHeaderSize || v.Live < 0 || v.Live > v.Size-containerHeaderSize || v.LiveCount < 0 {
		return nil, fmt.Errorf("store: decode container: sizes out of range")
	}
	return v, nil
}

func encodeUsage(u Usage) []byte {
	var e binenc.Encoder
	e.Varint(u.Bytes)
	e.Varint(u.Messages)
	return e.B
}

func decodeUsage(b []byte) (Usage, error) {
	d := binenc.NewDecoder(b)
	u := Usage{Bytes: d.Varint(), Messages: d.Varint()}
	if err := d.Finish(); err != nil {
		return Usage{}, fmt.Errorf("store: decode usage: %w", err)
	}
	return u, nil
}
