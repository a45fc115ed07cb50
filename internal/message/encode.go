package message

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// The encoding, version 1, is a version byte, then HeaderSize (uvarint), the
// envelope and the body structure. Integers are uvarints or zig-zag varints,
// strings are a uvarint length and the bytes. A nil-able list or map is its
// length plus one, 0 meaning nil, so that nil and empty survive (go-imap
// writes a nil Sender as From, an empty one as NIL). Map keys are sorted.
// Decoding accepts only what encoding produces, so every valid input has a
// single form.
const formatVersion = 1

const (
	kindSingle = 1 // *imap.BodyStructureSinglePart
	kindMulti  = 2 // *imap.BodyStructureMultiPart

	flagMessage = 1 << 0 // MessageRFC822 follows
	flagText    = 1 << 1 // Text follows

	// maxOffset bounds a date's zone offset: ENVELOPE writes it as ±hhmm.
	maxOffset = 100*3600 - 1
)

// MarshalBinary encodes s compactly for the index. It fails on a summary
// that go-imap could not write (see the package doc) or that UnmarshalSummary
// would refuse (too deep, too many parts).
func (s *Summary) MarshalBinary() ([]byte, error) {
	if s.HeaderSize < 0 {
		return nil, errors.New("message: encode summary: negative header size")
	}
	e := &encoder{b: make([]byte, 0, 256)}
	e.b = append(e.b, formatVersion)
	e.b = binary.AppendUvarint(e.b, uint64(s.HeaderSize))
	e.envelope(s.Envelope)
	e.body(s.BodyStructure, 0)
	if e.err != nil {
		return nil, e.err
	}
	return e.b, nil
}

type encoder struct {
	b     []byte
	nodes int
	err   error
}

func (e *encoder) fail(what string) {
	if e.err == nil {
		e.err = fmt.Errorf("message: encode summary: %s", what)
	}
}

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// length writes n+1, or 0 for nil.
func (e *encoder) length(n int, isNil bool) {
	if isNil {
		e.uvarint(0)
	} else {
		e.uvarint(uint64(n) + 1)
	}
}

func (e *encoder) strs(l []string) {
	e.length(len(l), l == nil)
	for _, s := range l {
		e.str(s)
	}
}

func (e *encoder) params(m map[string]string) {
	e.length(len(m), m == nil)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e.str(k)
		e.str(m[k])
	}
}

func (e *encoder) addrs(l []imap.Address) {
	e.length(len(l), l == nil)
	for _, a := range l {
		e.str(a.Name)
		e.str(a.Mailbox)
		e.str(a.Host)
	}
}

func (e *encoder) envelope(env *imap.Envelope) {
	e.bool(env != nil)
	if env == nil {
		return
	}
	e.bool(!env.Date.IsZero())
	if !env.Date.IsZero() {
		_, off := env.Date.Zone()
		if off < -maxOffset || off > maxOffset {
			e.fail("date offset out of range")
		}
		e.varint(env.Date.Unix())
		e.uvarint(uint64(env.Date.Nanosecond()))
		e.varint(int64(off))
	}
	e.str(env.Subject)
	for _, l := range [][]imap.Address{env.From, env.Sender, env.ReplyTo, env.To, env.Cc, env.Bcc} {
		e.addrs(l)
	}
	e.strs(env.InReplyTo)
	e.str(env.MessageID)
}

func (e *encoder) disposition(d *imap.BodyStructureDisposition) {
	e.bool(d != nil)
	if d != nil {
		e.str(d.Value)
		e.params(d.Params)
	}
}

func (e *encoder) body(bs imap.BodyStructure, depth int) {
	e.nodes++
	if depth > maxDepth || e.nodes > maxParts {
		e.fail("body structure too deep or too large")
		return
	}
	switch bs := bs.(type) {
	case *imap.BodyStructureSinglePart:
		if bs == nil || bs.Extended == nil {
			e.fail("part without extension data")
			return
		}
		e.b = append(e.b, kindSingle)
		e.str(bs.Type)
		e.str(bs.Subtype)
		e.params(bs.Params)
		e.str(bs.ID)
		e.str(bs.Description)
		e.str(bs.Encoding)
		e.uvarint(uint64(bs.Size))
		var flags byte
		if bs.MessageRFC822 != nil {
			flags |= flagMessage
		}
		if bs.Text != nil {
			flags |= flagText
		}
		e.b = append(e.b, flags)
		if m := bs.MessageRFC822; m != nil {
			e.envelope(m.Envelope)
			e.body(m.BodyStructure, depth+1)
			e.varint(m.NumLines)
		}
		if bs.Text != nil {
			e.varint(bs.Text.NumLines)
		}
		e.disposition(bs.Extended.Disposition)
		e.strs(bs.Extended.Language)
		e.str(bs.Extended.Location)
	case *imap.BodyStructureMultiPart:
		if bs == nil || bs.Extended == nil || len(bs.Children) == 0 {
			e.fail("multipart without children or extension data")
			return
		}
		e.b = append(e.b, kindMulti)
		e.uvarint(uint64(len(bs.Children)))
		for _, c := range bs.Children {
			e.body(c, depth+1)
		}
		e.str(bs.Subtype)
		e.params(bs.Extended.Params)
		e.disposition(bs.Extended.Disposition)
		e.strs(bs.Extended.Language)
		e.str(bs.Extended.Location)
	default:
		e.fail("missing body structure")
	}
}

// UnmarshalSummary decodes a summary written by MarshalBinary. Truncated,
// corrupt or hostile input is an error: lengths are checked against the
// bytes left before anything is allocated, and depth and part count have
// the same bounds as Summarize.
func UnmarshalSummary(b []byte) (*Summary, error) {
	if len(b) == 0 || b[0] != formatVersion {
		return nil, errors.New("message: decode summary: unknown format version")
	}
	// One copy for all strings: each is a substring of d.s.
	d := &decoder{s: string(b[1:])}
	hs := d.uvarint()
	if hs > math.MaxInt64 {
		d.fail("header size out of range")
	}
	s := &Summary{HeaderSize: int64(hs)}
	s.Envelope = d.envelope()
	s.BodyStructure = d.body(0)
	if d.err == nil && len(d.s) > 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	return s, nil
}

// decoder reads the encoding. After the first error, d.s is empty and every
// read returns a zero value, so callers check d.err once at the end.
type decoder struct {
	s     string
	nodes int
	err   error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("message: decode summary: %s", what)
	}
	d.s = ""
}

func (d *decoder) byte() byte {
	if len(d.s) == 0 {
		d.fail("truncated")
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

func (d *decoder) bool() bool {
	c := d.byte()
	if c > 1 {
		d.fail("bad boolean")
	}
	return c == 1
}

// uvarint reads a minimal uvarint, as binary.AppendUvarint writes it.
func (d *decoder) uvarint() uint64 {
	var v uint64
	for i := 0; i < binary.MaxVarintLen64 && i < len(d.s); i++ {
		c := d.s[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if c == 0 && i > 0 {
				break
			}
			d.s = d.s[i+1:]
			return v
		}
	}
	d.fail("bad varint")
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.fail("truncated string")
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

// length reads a nil-able length; each element takes at least size bytes,
// which bounds what a hostile length can make us allocate.
func (d *decoder) length(size int) (n int, isNil bool) {
	u := d.uvarint()
	if u == 0 {
		return 0, true
	}
	if u-1 > uint64(len(d.s)/size) {
		d.fail("length out of range")
		return 0, true
	}
	return int(u - 1), false
}

func (d *decoder) strs() []string {
	n, isNil := d.length(1)
	if isNil {
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = d.str()
	}
	return l
}

func (d *decoder) params() map[string]string {
	n, isNil := d.length(2)
	if isNil {
		return nil
	}
	m := make(map[string]string, n)
	prev := ""
	for i := range n {
		k := d.str()
		if i > 0 && k <= prev {
			d.fail("parameters not sorted")
			return nil
		}
		m[k], prev = d.str(), k
	}
	return m
}

func (d *decoder) addrs() []imap.Address {
	n, isNil := d.length(3)
	if isNil {
		return nil
	}
	l := make([]imap.Address, n)
	for i := range l {
		l[i] = imap.Address{Name: d.str(), Mailbox: d.str(), Host: d.str()}
	}
	return l
}

func (d *decoder) envelope() *imap.Envelope {
	if !d.bool() {
		return nil
	}
	env := &imap.Envelope{}
	if d.bool() {
		sec, nsec, off := d.varint(), d.uvarint(), d.varint()
		if nsec >= 1e9 || off < -maxOffset || off > maxOffset {
			d.fail("bad date")
		}
		env.Date = time.Unix(sec, int64(nsec)).In(time.FixedZone("", int(off)))
		if env.Date.IsZero() {
			d.fail("zero date marked present")
		}
	}
	env.Subject = d.str()
	env.From, env.Sender, env.ReplyTo = d.addrs(), d.addrs(), d.addrs()
	env.To, env.Cc, env.Bcc = d.addrs(), d.addrs(), d.addrs()
	env.InReplyTo = d.strs()
	env.MessageID = d.str()
	return env
}

func (d *decoder) disposition() *imap.BodyStructureDisposition {
	if !d.bool() {
		return nil
	}
	return &imap.BodyStructureDisposition{Value: d.str(), Params: d.params()}
}

func (d *decoder) body(depth int) imap.BodyStructure {
	d.nodes++
	if depth > maxDepth || d.nodes > maxParts {
		d.fail("body structure too deep or too large")
		return nil
	}
	switch d.byte() {
	case kindSingle:
		bs := &imap.BodyStructureSinglePart{
			Type: d.str(), Subtype: d.str(), Params: d.params(),
			ID: d.str(), Description: d.str(), Encoding: d.str(),
		}
		size := d.uvarint()
		if size > math.MaxUint32 {
			d.fail("size out of range")
		}
		bs.Size = uint32(size)
		flags := d.byte()
		if flags&^(flagMessage|flagText) != 0 {
			d.fail("bad part flags")
		}
		if flags&flagMessage != 0 {
			m := &imap.BodyStructureMessageRFC822{Envelope: d.envelope()}
			m.BodyStructure = d.body(depth + 1)
			m.NumLines = d.varint()
			bs.MessageRFC822 = m
		}
		if flags&flagText != 0 {
			bs.Text = &imap.BodyStructureText{NumLines: d.varint()}
		}
		bs.Extended = &imap.BodyStructureSinglePartExt{
			Disposition: d.disposition(), Language: d.strs(), Location: d.str(),
		}
		return bs
	case kindMulti:
		n := d.uvarint()
		if n == 0 || n > uint64(len(d.s)) {
			d.fail("bad number of children")
			return nil
		}
		bs := &imap.BodyStructureMultiPart{Children: make([]imap.BodyStructure, 0, n)}
		for range n {
			if d.err != nil {
				return nil
			}
			bs.Children = append(bs.Children, d.body(depth+1))
		}
		bs.Subtype = d.str()
		bs.Extended = &imap.BodyStructureMultiPartExt{
			Params: d.params(), Disposition: d.disposition(), Language: d.strs(), Location: d.str(),
		}
		return bs
	default:
		d.fail("bad body structure kind")
		return nil
	}
}
