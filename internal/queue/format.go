package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/axmail/axmail/internal/binenc"
)

// The message file format (see doc.go):
//
//	offset size
//	0      4    magic "AXQM"
//	4      1    format version (1)
//	5      3    zero
//	8      4    envelope length, big-endian
//	12     8    body length, big-endian
//	20     4    CRC32C over envelope and body
//	24     4    CRC32C over bytes 0..23
//	28          envelope (binenc), then body
const (
	magic         = "AXQM"
	formatVersion = 1
	headerSize    = 28

	// maxEnvelopeSize bounds what a reader allocates for an envelope: a
	// thousand recipients with long ORCPT values fit many times over.
	maxEnvelopeSize = 4 << 20
	// maxBodySize bounds a body. Bodies are streamed, never held whole
	// by a reader, so this only refuses absurd lengths.
	maxBodySize = 4 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt marks a message file that is not a valid queue file: wrong
// magic or version, lengths that do not match the file, a bad checksum or
// an envelope that does not decode.
var ErrCorrupt = errors.New("queue: corrupt message file")

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// header is the fixed-size start of a message file.
type header struct {
	envLen  uint32
	bodyLen uint64
	crc     uint32 // over envelope and body
}

func (h header) marshal() []byte {
	b := make([]byte, headerSize)
	copy(b, magic)
	b[4] = formatVersion
	binary.BigEndian.PutUint32(b[8:], h.envLen)
	binary.BigEndian.PutUint64(b[12:], h.bodyLen)
	binary.BigEndian.PutUint32(b[20:], h.crc)
	binary.BigEndian.PutUint32(b[24:], crc32.Checksum(b[:24], castagnoli))
	return b
}

// parseHeader checks the fixed header and the length bounds; it does not
// know the file's size, callers compare total() against it.
func parseHeader(b []byte) (header, error) {
	if len(b) < headerSize {
		return header{}, corruptf("%d bytes, shorter than a header", len(b))
	}
	if string(b[:4]) != magic {
		return header{}, corruptf("bad magic %q", b[:4])
	}
	if b[4] != formatVersion {
		return header{}, corruptf("unknown format version %d", b[4])
	}
	if b[5] != 0 || b[6] != 0 || b[7] != 0 {
		return header{}, corruptf("reserved header bytes set")
	}
	if got, want := crc32.Checksum(b[:24], castagnoli), binary.BigEndian.Uint32(b[24:]); got != want {
		return header{}, corruptf("header checksum %08x, want %08x", got, want)
	}
	h := header{
		envLen:  binary.BigEndian.Uint32(b[8:]),
		bodyLen: binary.BigEndian.Uint64(b[12:]),
		crc:     binary.BigEndian.Uint32(b[20:]),
	}
	if h.envLen > maxEnvelopeSize {
		return header{}, corruptf("envelope length %d over %d", h.envLen, maxEnvelopeSize)
	}
	if h.bodyLen > maxBodySize {
		return header{}, corruptf("body length %d over %d", h.bodyLen, uint64(maxBodySize))
	}
	return h, nil
}

// total is the size of the whole file the header describes.
func (h header) total() int64 { return headerSize + int64(h.envLen) + int64(h.bodyLen) }

// encodeEnvelope encodes what a message file keeps besides the body.
func encodeEnvelope(m Message) []byte {
	var e binenc.Encoder
	e.Str(m.ID)
	e.Varint(unixNano(m.Created))
	env := m.Envelope
	e.Str(env.From)
	e.Uvarint(uint64(len(env.Recipients)))
	for _, r := range env.Recipients {
		e.Str(r.Address)
		e.Strs(r.Notify)
		e.Str(r.ORcpt)
	}
	e.Str(env.Ret)
	e.Str(env.EnvID)
	e.Str(env.Account)
	e.Str(env.ClientIP)
	e.Uvarint(uint64(m.Attempts))
	e.Varint(unixNano(m.NextAttempt))
	e.Str(m.LastError)
	return e.B
}

// decodeEnvelope reads what encodeEnvelope wrote. Size is not in the
// envelope: the caller sets it from the header.
func decodeEnvelope(b []byte) (Message, error) {
	d := binenc.NewDecoder(b)
	var m Message
	m.ID = d.Str()
	m.Created = fromUnixNano(d.Varint())
	m.Envelope.From = d.Str()
	// A recipient takes at least three bytes: three empty length prefixes.
	n := d.Count(3)
	if n > 0 {
		m.Envelope.Recipients = make([]Recipient, 0, n)
	}
	for i := 0; i < n && d.Err() == nil; i++ {
		m.Envelope.Recipients = append(m.Envelope.Recipients, Recipient{Address: d.Str(), Notify: d.Strs(), ORcpt: d.Str()})
	}
	m.Envelope.Ret = d.Str()
	m.Envelope.EnvID = d.Str()
	m.Envelope.Account = d.Str()
	m.Envelope.ClientIP = d.Str()
	attempts := d.Uvarint()
	m.NextAttempt = fromUnixNano(d.Varint())
	m.LastError = d.Str()
	if err := d.Finish(); err != nil {
		return Message{}, corruptf("envelope: %v", err)
	}
	if attempts > 1<<31 {
		return Message{}, corruptf("envelope: %d attempts", attempts)
	}
	m.Attempts = int(attempts)
	if !validID(m.ID) {
		return Message{}, corruptf("envelope: bad id %q", m.ID)
	}
	if len(m.Envelope.Recipients) == 0 {
		return Message{}, corruptf("envelope: no recipients")
	}
	return m, nil
}

// encode returns the header and envelope of a message file whose body is
// body; the body itself follows them in the file.
func encode(m Message, body []byte) ([]byte, error) {
	env := encodeEnvelope(m)
	if len(env) > maxEnvelopeSize {
		return nil, fmt.Errorf("%w: envelope of %d bytes over %d", ErrInvalid, len(env), maxEnvelopeSize)
	}
	if int64(len(body)) > maxBodySize {
		return nil, fmt.Errorf("%w: body of %d bytes over %d", ErrInvalid, len(body), int64(maxBodySize))
	}
	crc := crc32.Update(crc32.Checksum(env, castagnoli), castagnoli, body)
	h := header{envLen: uint32(len(env)), bodyLen: uint64(len(body)), crc: crc}
	return append(h.marshal(), env...), nil
}

// decode parses a whole message file held in memory. Open and Body read
// files piecewise with the same checks (file.go); decode is their
// in-memory twin and what FuzzDecode drives.
func decode(b []byte) (Message, []byte, error) {
	h, err := parseHeader(b)
	if err != nil {
		return Message{}, nil, err
	}
	if h.total() != int64(len(b)) {
		return Message{}, nil, corruptf("header says %d bytes, file has %d", h.total(), len(b))
	}
	env := b[headerSize : headerSize+int(h.envLen)]
	body := b[headerSize+int(h.envLen):]
	if got := crc32.Update(crc32.Checksum(env, castagnoli), castagnoli, body); got != h.crc {
		return Message{}, nil, corruptf("checksum %08x, want %08x", got, h.crc)
	}
	m, err := decodeEnvelope(env)
	if err != nil {
		return Message{}, nil, err
	}
	m.Size = int64(h.bodyLen)
	return m, body, nil
}

// unixNano encodes a time; the zero time is 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano is the inverse of unixNano, in UTC.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
