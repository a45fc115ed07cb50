package directory

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Stored values are compact binary: a format byte, then uvarints, zig-zag
// varints and length-prefixed strings, as internal/store does. Decoding
// checks every length against the bytes left, so corrupt values return an
// error, never panic or allocate more than the value holds.

// valueFormat is the first byte of every stored value.
const valueFormat = 1

type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }

func (e *encoder) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) vals(v vals) {
	e.uvarint(uint64(v.set))
	for i := range numericFields {
		if v.set&(1<<i) != 0 {
			e.uvarint(uint64(v.n[i]))
		}
	}
	if v.set&FieldEnabled != 0 {
		b := uint64(0)
		if v.enabled {
			b = 1
		}
		e.uvarint(b)
	}
	if v.set&FieldServices != 0 {
		e.uvarint(uint64(v.services))
	}
}

var errShort = errors.New("truncated value")

// decoder reads what encoder wrote. After the first error every read
// returns a zero value, so callers check err once at the end.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes returns a length-prefixed slice of the value, not a copy.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail(errShort)
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str() string { return string(d.bytes()) }

func (d *decoder) strs() []string {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) { // each string takes a byte at least
		d.fail(errors.New("count exceeds value"))
	}
	if d.err != nil || n == 0 {
		return nil
	}
	ss := make([]string, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		ss = append(ss, d.str())
	}
	return ss
}

func (d *decoder) format() {
	if len(d.b) == 0 || d.b[0] != valueFormat {
		d.fail(errors.New("unknown value format"))
		return
	}
	d.b = d.b[1:]
}

func (d *decoder) vals() vals {
	var v vals
	set := d.uvarint()
	if d.err == nil && set&^uint64(AllFields) != 0 {
		d.fail(errors.New("unknown settings"))
	}
	v.set = Field(set)
	for i := range numericFields {
		if v.set&(1<<i) == 0 {
			continue
		}
		n := d.uvarint()
		if n > math.MaxInt64 {
			d.fail(errors.New("setting out of range"))
		}
		v.n[i] = int64(n)
	}
	if v.set&FieldEnabled != 0 {
		switch d.uvarint() {
		case 0:
		case 1:
			v.enabled = true
		default:
			d.fail(errors.New("bad boolean"))
		}
	}
	if v.set&FieldServices != 0 {
		s := d.uvarint()
		if s&^uint64(AllServices) != 0 {
			d.fail(errors.New("unknown services"))
		}
		v.services = Services(s)
	}
	if d.err != nil {
		return vals{}
	}
	return v
}

// finish reports the first error, or trailing garbage.
func (d *decoder) finish() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return errors.New("trailing bytes")
	}
	return nil
}

// domainRec is a domain's stored value.
type domainRec struct {
	v                vals
	created, updated int64 // unix nanoseconds
}

func (r *domainRec) encode() []byte {
	e := encoder{b: []byte{valueFormat}}
	e.vals(r.v)
	e.varint(r.created)
	e.varint(r.updated)
	return e.b
}

func decodeDomain(b []byte) (*domainRec, error) {
	d := decoder{b: b}
	d.format()
	r := &domainRec{v: d.vals()}
	r.created = d.varint()
	r.updated = d.varint()
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("directory: decode domain: %w", err)
	}
	return r, nil
}

// accountRec is an account's stored value.
type accountRec struct {
	email, name, hash string
	v                 vals
	created, updated  int64
}

func (r *accountRec) encode() []byte {
	e := encoder{b: make([]byte, 0, 1+len(r.email)+len(r.name)+len(r.hash)+32)}
	e.b = append(e.b, valueFormat)
	e.str(r.email)
	e.str(r.name)
	e.str(r.hash)
	e.vals(r.v)
	e.varint(r.created)
	e.varint(r.updated)
	return e.b
}

func decodeAccount(b []byte) (*accountRec, error) {
	d := decoder{b: b}
	d.format()
	r := &accountRec{email: d.str(), name: d.str(), hash: d.str()}
	r.v = d.vals()
	r.created = d.varint()
	r.updated = d.varint()
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("directory: decode account: %w", err)
	}
	if !hasAt(r.email) {
		return nil, fmt.Errorf("directory: decode account: bad address %q", r.email)
	}
	return r, nil
}

// hasAt reports whether s has an @ after a non-empty local part, so that
// keyOf and splitKey may take it apart.
func hasAt(s string) bool { return strings.LastIndexByte(s, '@') > 0 }

// decodeAccountBrief decodes only what the in-memory maps hold: the
// address, as a slice of b (the caller copies what it keeps), and the
// settings.
func decodeAccountBrief(b []byte) (email []byte, v vals, err error) {
	d := decoder{b: b}
	d.format()
	email = d.bytes()
	d.bytes() // display name
	d.bytes() // password hash
	v = d.vals()
	d.varint()
	d.varint()
	if err := d.finish(); err != nil {
		return nil, vals{}, fmt.Errorf("directory: decode account: %w", err)
	}
	if !hasAt(string(email)) {
		return nil, vals{}, fmt.Errorf("directory: decode account: bad address %q", email)
	}
	return email, v, nil
}

// aliasRec is an alias's stored value.
type aliasRec struct {
	targets          []string // canonical addresses
	created, updated int64
}

func (r *aliasRec) encode() []byte {
	e := encoder{b: []byte{valueFormat}}
	e.strs(r.targets)
	e.varint(r.created)
	e.varint(r.updated)
	return e.b
}

func decodeAlias(b []byte) (*aliasRec, error) {
	d := decoder{b: b}
	d.format()
	r := &aliasRec{targets: d.strs()}
	r.created = d.varint()
	r.updated = d.varint()
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("directory: decode alias: %w", err)
	}
	if len(r.targets) == 0 {
		return nil, fmt.Errorf("directory: decode alias: no targets")
	}
	for _, t := range r.targets {
		if !hasAt(t) {
			return nil, fmt.Errorf("directory: decode alias: bad target %q", t)
		}
	}
	return r, nil
}
