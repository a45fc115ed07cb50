package binenc

import (
	"errors"
	"reflect"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var e Encoder
	e.Uvarint(300)
	e.Varint(-7)
	e.Str("héllo")
	e.Bytes([]byte{0, 1, 2})
	e.Raw([]byte{9, 9})
	e.Strs([]string{"a", "", "bc"})
	e.Strs(nil)
	d := NewDecoder(e.B)
	got := []any{d.Uvarint(), d.Varint(), d.Str(), d.Bytes(), d.Fixed(2), d.Strs(), d.Strs()}
	want := []any{uint64(300), int64(-7), "héllo", []byte{0, 1, 2}, []byte{9, 9}, []string{"a", "", "bc"}, []string(nil)}
	if !reflect.DeepEqual(got, want) || d.Finish() != nil {
		t.Fatalf("decoded %v (%v), want %v", got, d.Finish(), want)
	}
}

func TestHostileValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		read func(d *Decoder)
	}{
		{"empty varint", nil, func(d *Decoder) { d.Uvarint() }},
		{"string longer than value", []byte{0x80, 0x80, 0x04, 'a'}, func(d *Decoder) { d.Str() }},
		{"huge count", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, func(d *Decoder) { d.Strs() }},
		{"fixed past end", []byte{1, 2}, func(d *Decoder) { d.Fixed(3) }},
		{"trailing bytes", []byte{1, 2}, func(d *Decoder) { d.Uvarint() }},
	} {
		d := NewDecoder(tc.b)
		tc.read(d)
		if d.Finish() == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	d := NewDecoder(nil)
	d.Uvarint()
	if !errors.Is(d.Err(), ErrShort) || d.Str() != "" {
		t.Fatal("reads after an error must return zero values")
	}
}
