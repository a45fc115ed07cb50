package directory

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/axmail/axmail/internal/binenc"
)

// Stored values are compact binary: a format byte, then uvarints, zig-zag
// varints and length-prefixed strings, as internal/store does. Decoding
// checks every length against the bytes left, so corrupt values return an
// error, never panic or allocate more than the value holds.

// valueFormat is the first byte of every stored value.
const valueFormat = 1

// putVals appends settings: the set of present fields, then each one.
func putVals(e *binenc.Encoder, v vals) {
	e.Uvarint(uint64(v.set))
	for i := range numericFields {
		if v.set&(1<<i) != 0 {
			e.Uvarint(uint64(v.n[i]))
		}
	}
	if v.set&FieldEnabled != 0 {
		b := uint64(0)
		if v.enabled {
			b = 1
		}
		e.Uvarint(b)
	}
	if v.set&FieldServices != 0 {
		e.Uvarint(uint64(v.services))
	}
}

// readFormat consumes and checks the format byte.
func readFormat(d *binenc.Decoder) {
	if f := d.Fixed(1); d.Err() == nil && f[0] != valueFormat {
		d.Fail(errors.New("unknown value format"))
	}
}

// getVals reads what putVals wrote.
func getVals(d *binenc.Decoder) vals {
	var v vals
	set := d.Uvarint()
	if d.Err() == nil && set&^uint64(AllFields) != 0 {
		d.Fail(errors.New("unknown settings"))
	}
	v.set = Field(set)
	for i := range numericFields {
		if v.set&(1<<i) == 0 {
			continue
		}
		n := d.Uvarint()
		if n > math.MaxInt64 {
			d.Fail(errors.New("setting out of range"))
		}
		v.n[i] = int64(n)
	}
	if v.set&FieldEnabled != 0 {
		switch d.Uvarint() {
		case 0:
		case 1:
			v.enabled = true
		default:
			d.Fail(errors.New("bad boolean"))
		}
	}
	if v.set&FieldServices != 0 {
		s := d.Uvarint()
		if s&^uint64(AllServices) != 0 {
			d.Fail(errors.New("unknown services"))
		}
		v.services = Services(s)
	}
	if d.Err() != nil {
		return vals{}
	}
	return v
}

// domainRec is a domain's stored value.
type domainRec struct {
	v                vals
	created, updated int64 // unix nanoseconds
}

func (r *domainRec) encode() []byte {
	e := binenc.Encoder{B: []byte{valueFormat}}
	putVals(&e, r.v)
	e.Varint(r.created)
	e.Varint(r.updated)
	return e.B
}

func decodeDomain(b []byte) (*domainRec, error) {
	d := binenc.NewDecoder(b)
	readFormat(d)
	r := &domainRec{v: getVals(d)}
	r.created = d.Varint()
	r.updated = d.Varint()
	if err := d.Finish(); err != nil {
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
	e := binenc.Encoder{B: make([]byte, 0, 1+len(r.email)+len(r.name)+len(r.hash)+32)}
	e.B = append(e.B, valueFormat)
	e.Str(r.email)
	e.Str(r.name)
	e.Str(r.hash)
	putVals(&e, r.v)
	e.Varint(r.created)
	e.Varint(r.updated)
	return e.B
}

func decodeAccount(b []byte) (*accountRec, error) {
	d := binenc.NewDecoder(b)
	readFormat(d)
	r := &accountRec{email: d.Str(), name: d.Str(), hash: d.Str()}
	r.v = getVals(d)
	r.created = d.Varint()
	r.updated = d.Varint()
	if err := d.Finish(); err != nil {
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
	d := binenc.NewDecoder(b)
	readFormat(d)
	email = d.Bytes()
	d.Bytes() // display name
	d.Bytes() // password hash
	v = getVals(d)
	d.Varint()
	d.Varint()
	if err := d.Finish(); err != nil {
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
	e := binenc.Encoder{B: []byte{valueFormat}}
	e.Strs(r.targets)
	e.Varint(r.created)
	e.Varint(r.updated)
	return e.B
}

func decodeAlias(b []byte) (*aliasRec, error) {
	d := binenc.NewDecoder(b)
	readFormat(d)
	r := &aliasRec{targets: d.Strs()}
	r.created = d.Varint()
	r.updated = d.Varint()
	if err := d.Finish(); err != nil {
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
