package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/axmail/axmail/internal/binenc"
)

// Record kinds.
const (
	// KindMessage holds a message's bytes and the placements it was stored to.
	KindMessage uint8 = 1
	// KindTombstone says that the message with its GUID was deleted; it lets
	// an index rebuild skip a dead record that compaction has not yet removed.
	KindTombstone uint8 = 2
	// KindCommit closes a group commit: it lists, for each message record
	// of the group, the UID each placement received (commitrec.go). The
	// group is acknowledged once it is fdatasynced; a crash before its
	// index transaction commits is repaired by replaying it (replay.go).
	KindCommit uint8 = 3
)

const (
	recordMagic      = "AXR1"
	recordHeaderSize = 36
	// maxMetaLen and maxBodyLen bound what a reader will allocate from a
	// length field it has not yet verified.
	maxMetaLen = 16 << 20
	maxBodyLen = 1<<31 - 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// GUID identifies a stored message body for its whole life, across
// compactions: 8 bytes of creation time, 8 random bytes.
type GUID [16]byte

func (g GUID) String() string { return fmt.Sprintf("%x", g[:]) }

// ParseGUID parses the hex form that String returns.
func ParseGUID(s string) (GUID, error) {
	var g GUID
	if len(s) != 32 {
		return g, fmt.Errorf("store: bad guid %q", s)
	}
	for i := range g {
		var b byte
		for _, c := range []byte(s[2*i : 2*i+2]) {
			switch {
			case c >= '0' && c <= '9':
				b = b<<4 | (c - '0')
			case c >= 'a' && c <= 'f':
				b = b<<4 | (c - 'a' + 10)
			default:
				return g, fmt.Errorf("store: bad guid %q", s)
			}
		}
		g[i] = b
	}
	return g, nil
}

// Placement is one (account, mailbox) a message was stored to, as written
// into its record for an index rebuild.
type Placement struct {
	Account  string
	Mailbox  string
	Flags    Flags
	Keywords []string
}

// RecordMeta is the self-description of a message record.
type RecordMeta struct {
	InternalDate int64 // unix seconds
	TZOffset     int32 // seconds east of UTC
	Placements   []Placement
}

// recordHeader is the fixed part of a record.
//
//	0  magic "AXR1"   4  kind   5  reserved (3 bytes)
//	8  meta length   12  body length   16  GUID   32  CRC32C
//
// The CRC covers bytes 0..32, the meta and the body.
type recordHeader struct {
	Kind    uint8
	MetaLen uint32
	BodyLen uint32
	GUID    GUID
	CRC     uint32
}

// Errors of the record reader.
var (
	ErrBadMagic    = errors.New("store: bad record magic")
	ErrBadLength   = errors.New("store: record length out of range")
	ErrBadChecksum = errors.New("store: record checksum mismatch")
	ErrBadMeta     = errors.New("store: malformed record meta")
)

func (h *recordHeader) put(b []byte) {
	copy(b[0:4], recordMagic)
	b[4] = h.Kind
	b[5], b[6], b[7] = 0, 0, 0
	binary.LittleEndian.PutUint32(b[8:], h.MetaLen)
	binary.LittleEndian.PutUint32(b[12:], h.BodyLen)
	copy(b[16:32], h.GUID[:])
	binary.LittleEndian.PutUint32(b[32:], h.CRC)
}

func parseRecordHeader(b []byte) (recordHeader, error) {
	var h recordHeader
	if len(b) < recordHeaderSize {
		return h, io.ErrUnexpectedEOF
	}
	if string(b[0:4]) != recordMagic {
		return h, ErrBadMagic
	}
	h.Kind = b[4]
	if h.Kind < KindMessage || h.Kind > KindCommit || b[5] != 0 || b[6] != 0 || b[7] != 0 {
		return h, ErrBadMagic
	}
	h.MetaLen = binary.LittleEndian.Uint32(b[8:])
	h.BodyLen = binary.LittleEndian.Uint32(b[12:])
	if h.MetaLen > maxMetaLen || h.BodyLen > maxBodyLen {
		return h, ErrBadLength
	}
	copy(h.GUID[:], b[16:32])
	h.CRC = binary.LittleEndian.Uint32(b[32:])
	return h, nil
}

// encodeRecordHead returns a record's header and meta, its checksum
// covering body too, so that the body can be written from the caller's
// buffer: a delivery is never copied into a record.
func encodeRecordHead(kind uint8, guid GUID, meta []byte, body []byte) []byte {
	head := make([]byte, recordHeaderSize+len(meta))
	h := recordHeader{Kind: kind, MetaLen: uint32(len(meta)), BodyLen: uint32(len(body)), GUID: guid}
	h.put(head)
	copy(head[recordHeaderSize:], meta)
	crc := crc32.Update(0, castagnoli, head[:32])
	crc = crc32.Update(crc, castagnoli, head[recordHeaderSize:])
	crc = crc32.Update(crc, castagnoli, body)
	binary.LittleEndian.PutUint32(head[32:], crc)
	return head
}

// encodeRecord returns the whole record: header, meta, body.
func encodeRecord(kind uint8, guid GUID, meta []byte, body []byte) []byte {
	buf := make([]byte, recordHeaderSize+len(meta)+len(body))
	h := recordHeader{Kind: kind, MetaLen: uint32(len(meta)), BodyLen: uint32(len(body)), GUID: guid}
	h.put(buf)
	copy(buf[recordHeaderSize:], meta)
	copy(buf[recordHeaderSize+len(meta):], body)
	crc := crc32.Update(0, castagnoli, buf[:32])
	crc = crc32.Update(crc, castagnoli, buf[recordHeaderSize:])
	binary.LittleEndian.PutUint32(buf[32:], crc)
	return buf
}

func encodeMeta(m *RecordMeta) []byte {
	var e binenc.Encoder
	e.Varint(m.InternalDate)
	e.Varint(int64(m.TZOffset))
	e.Uvarint(uint64(len(m.Placements)))
	for _, p := range m.Placements {
		e.Str(p.Account)
		e.Str(p.Mailbox)
		e.Uvarint(uint64(p.Flags))
		e.Strs(p.Keywords)
	}
	return e.B
}

func decodeMeta(b []byte) (*RecordMeta, error) {
	d := binenc.NewDecoder(b)
	m := &RecordMeta{InternalDate: d.Varint(), TZOffset: int32(d.Varint())}
	n := d.Count(4)
	for i := 0; i < n && d.Err() == nil; i++ {
		p := Placement{Account: d.Str(), Mailbox: d.Str(), Flags: Flags(d.Uvarint())}
		p.Keywords = d.Strs()
		m.Placements = append(m.Placements, p)
	}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMeta, err)
	}
	return m, nil
}

// checkMeta reports what decodeMeta would about b, without building the
// meta: a check reads every record's meta and keeps none of it.
func checkMeta(b []byte) error {
	d := binenc.NewDecoder(b)
	d.Varint()
	d.Varint()
	n := d.Count(4)
	for i := 0; i < n && d.Err() == nil; i++ {
		d.Bytes() // account
		d.Bytes() // mailbox
		d.Uvarint()
		k := d.Count(1)
		for j := 0; j < k && d.Err() == nil; j++ {
			d.Bytes()
		}
	}
	if err := d.Finish(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadMeta, err)
	}
	return nil
}

// Record is one record read from a container.
type Record struct {
	Offset int64 // of the record header in its container
	Kind   uint8
	GUID   GUID
	Meta   []byte // raw meta; decode with decodeMeta
	Body   []byte
	CRC    uint32
}

// appendTo appends the record's bytes, as on disk, to b.
func (r *Record) appendTo(b []byte) []byte {
	var hb [recordHeaderSize]byte
	h := recordHeader{Kind: r.Kind, MetaLen: uint32(len(r.Meta)), BodyLen: uint32(len(r.Body)), GUID: r.GUID, CRC: r.CRC}
	h.put(hb[:])
	b = append(b, hb[:]...)
	b = append(b, r.Meta...)
	return append(b, r.Body...)
}

// size is the record's length on disk.
func (r *Record) size() int64 { return recordHeaderSize + int64(len(r.Meta)) + int64(len(r.Body)) }

// readRecord reads and verifies one record at the reader's position. It
// returns io.EOF at a clean end, io.ErrUnexpectedEOF for a truncated record
// and ErrBad* for a corrupt one. It never allocates more than the bytes
// actually available after the header (limit).
func readRecord(r io.Reader, offset, limit int64) (*Record, error) {
	var scratch []byte
	return readRecordInto(r, offset, limit, &scratch)
}

// Verify checks the record's checksum and, for a message, its meta.
func (r *Record) Verify() error {
	var hb [recordHeaderSize]byte
	h := recordHeader{Kind: r.Kind, MetaLen: uint32(len(r.Meta)), BodyLen: uint32(len(r.Body)), GUID: r.GUID}
	h.put(hb[:])
	crc := crc32.Update(0, castagnoli, hb[:32])
	crc = crc32.Update(crc, castagnoli, r.Meta)
	crc = crc32.Update(crc, castagnoli, r.Body)
	if crc != r.CRC {
		return ErrBadChecksum
	}
	switch r.Kind {
	case KindMessage:
		return checkMeta(r.Meta)
	case KindCommit:
		_, err := decodeCommit(r.Meta)
		return err
	}
	return nil
}

// parseRecordInto parses the record at the start of data into r, in
// place (its Meta and Body alias data), without checking its checksum:
// callers verify what they keep. Filling the caller's record spares a scan
// an allocation per record (a tenth of a check's CPU here).
func parseRecordInto(data []byte, offset int64, r *Record) error {
	if len(data) < recordHeaderSize {
		return io.ErrUnexpectedEOF
	}
	h, err := parseRecordHeader(data[:recordHeaderSize])
	if err != nil {
		return err
	}
	end := int64(recordHeaderSize) + int64(h.MetaLen) + int64(h.BodyLen)
	if end > int64(len(data)) {
		return io.ErrUnexpectedEOF
	}
	metaEnd := recordHeaderSize + int64(h.MetaLen)
	*r = Record{Offset: offset, Kind: h.Kind, GUID: h.GUID, Meta: data[recordHeaderSize:metaEnd], Body: data[metaEnd:end], CRC: h.CRC}
	return nil
}

// readRecordInto is readRecord reusing *scratch for the meta and body, which
// the returned record aliases until the next call.
func readRecordInto(r io.Reader, offset, limit int64, scratch *[]byte) (*Record, error) {
	var hb [recordHeaderSize]byte
	n, err := io.ReadFull(r, hb[:])
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		if n > 0 && err == io.ErrUnexpectedEOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	h, err := parseRecordHeader(hb[:])
	if err != nil {
		return nil, err
	}
	rest := int64(h.MetaLen) + int64(h.BodyLen)
	if limit >= 0 && rest > limit-recordHeaderSize {
		return nil, io.ErrUnexpectedEOF
	}
	if int64(cap(*scratch)) < rest {
		*scratch = make([]byte, rest)
	}
	data := (*scratch)[:rest]
	if _, err := io.ReadFull(r, data); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	crc := crc32.Update(0, castagnoli, hb[:32])
	crc = crc32.Update(crc, castagnoli, data)
	if crc != h.CRC {
		return nil, ErrBadChecksum
	}
	rec := &Record{Offset: offset, Kind: h.Kind, GUID: h.GUID, Meta: data[:h.MetaLen], Body: data[h.MetaLen:], CRC: h.CRC}
	switch h.Kind {
	case KindMessage:
		if err := checkMeta(rec.Meta); err != nil {
			return nil, err
		}
	case KindCommit:
		if _, err := decodeCommit(rec.Meta); err != nil {
			return nil, err
		}
	}
	return rec, nil
}
