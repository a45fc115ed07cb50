// Package binenc is the compact binary form of the values axmail keeps in
// its embedded databases and container records: uvarints, zig-zag varints
// and length-prefixed strings. Decoding checks every length against the
// bytes left, so a corrupt value gives an error, never a panic or an
// allocation larger than the value. It knows nothing of what the values
// mean: internal/store and internal/directory own their formats.
package binenc

import (
	"encoding/binary"
	"errors"
)

// Encoder appends values to B.
type Encoder struct{ B []byte }

// Uvarint appends an unsigned varint.
func (e *Encoder) Uvarint(v uint64) { e.B = binary.AppendUvarint(e.B, v) }

// Varint appends a zig-zag varint.
func (e *Encoder) Varint(v int64) { e.B = binary.AppendVarint(e.B, v) }

// Bytes appends a length-prefixed byte string.
func (e *Encoder) Bytes(p []byte) { e.Uvarint(uint64(len(p))); e.B = append(e.B, p...) }

// Str appends a length-prefixed string.
func (e *Encoder) Str(s string) { e.Uvarint(uint64(len(s))); e.B = append(e.B, s...) }

// Raw appends bytes as they are (fixed-size fields).
func (e *Encoder) Raw(p []byte) { e.B = append(e.B, p...) }

// Strs appends a count and that many strings.
func (e *Encoder) Strs(ss []string) {
	e.Uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.Str(s)
	}
}

// ErrShort is a value that ends before what it announces.
var ErrShort = errors.New("truncated value")

// Decoder reads what an Encoder wrote. After the first error every read
// returns a zero value, so callers check Err or Finish once at the end.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder reads b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err is the first error met.
func (d *Decoder) Err() error { return d.err }

// Fail records err (the first one wins) and stops reading.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.Fail(ErrShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Varint reads a zig-zag varint.
func (d *Decoder) Varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.Fail(ErrShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Fixed reads n bytes; the slice aliases the value.
func (d *Decoder) Fixed(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b) < n {
		d.Fail(ErrShort)
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

// Count reads an element count and refuses one that cannot fit in the
// bytes left, each element taking at least min bytes.
func (d *Decoder) Count(min int) int {
	n := d.Uvarint()
	if d.err == nil && n > uint64(len(d.b)/min) {
		d.Fail(errors.New("count exceeds value"))
		return 0
	}
	return int(n)
}

// Bytes reads a length-prefixed byte string; the slice aliases the value.
func (d *Decoder) Bytes() []byte {
	n := d.Uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.Fail(ErrShort)
		return nil
	}
	return d.Fixed(int(n))
}

// Str reads a length-prefixed string.
func (d *Decoder) Str() string { return string(d.Bytes()) }

// Strs reads a count and that many strings; nil when there are none.
func (d *Decoder) Strs() []string {
	n := d.Count(1)
	if n == 0 {
		return nil
	}
	ss := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		ss = append(ss, d.Str())
	}
	return ss
}

// Finish reports the first error, or bytes left over.
func (d *Decoder) Finish() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return errors.New("trailing bytes")
	}
	return nil
}
