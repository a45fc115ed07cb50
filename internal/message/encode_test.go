package message

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// fullSummary sets every field go-imap has, with nil and empty variants
// where go-imap tells them apart.
func fullSummary() *Summary {
	leaf := func() *imap.BodyStructureSinglePart {
		return &imap.BodyStructureSinglePart{Type: "text", Subtype: "plain", Extended: &imap.BodyStructureSinglePartExt{}}
	}
	nested := &imap.BodyStructureSinglePart{
		Type: "message", Subtype: "rfc822", Params: map[string]string{}, Encoding: "7bit", Size: 1 << 31,
		MessageRFC822: &imap.BodyStructureMessageRFC822{BodyStructure: leaf(), NumLines: -1},
		Extended:      &imap.BodyStructureSinglePartExt{Language: []string{}},
	}
	attachment := &imap.BodyStructureSinglePart{
		Type: "application", Subtype: "pdf",
		Params: map[string]string{"name": "a.pdf", "x-z": "1", "": "empty key"},
		ID:     "<id@x>", Description: "desc", Encoding: "base64", Size: 4294967295,
		Text: &imap.BodyStructureText{NumLines: 1 << 40},
		Extended: &imap.BodyStructureSinglePartExt{
			Disposition: &imap.BodyStructureDisposition{Value: "attachment", Params: map[string]string{"filename": "a.pdf"}},
			Language:    []string{"en", ""},
			Location:    "http://x/a.pdf",
		},
	}
	return &Summary{
		HeaderSize: 1<<40 + 3,
		Envelope: &imap.Envelope{
			Date:      time.Date(2024, 2, 29, 23, 59, 58, 123456789, time.FixedZone("", 5*3600+1800)),
			Subject:   "Ünïcode \x00 and bytes \xff",
			From:      []imap.Address{{Name: "A", Mailbox: "a", Host: "x"}},
			Sender:    []imap.Address{},
			ReplyTo:   nil,
			To:        []imap.Address{{Mailbox: "group"}, {Name: "B", Mailbox: "b", Host: "y"}, {}},
			Cc:        []imap.Address{{Host: "only-host"}},
			InReplyTo: []string{},
			MessageID: "m@x",
		},
		BodyStructure: &imap.BodyStructureMultiPart{
			Subtype:  "mixed",
			Children: []imap.BodyStructure{leaf(), nested, attachment},
			Extended: &imap.BodyStructureMultiPartExt{
				Params:      map[string]string{"boundary": "b"},
				Disposition: &imap.BodyStructureDisposition{Value: "inline"},
				Language:    []string{"de"},
				Location:    "loc",
			},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		s    *Summary
	}{
		{"every field", fullSummary()},
		{"no envelope", &Summary{BodyStructure: fullSummary().BodyStructure}},
		{"empty envelope", &Summary{Envelope: &imap.Envelope{}, BodyStructure: fullSummary().BodyStructure}},
	}
	for _, tc := range summarizeCases() {
		s, err := Summarize(strings.NewReader(tc.msg))
		if err != nil {
			t.Fatalf("Summarize(%s) error = %v", tc.name, err)
		}
		tests = append(tests, struct {
			name string
			s    *Summary
		}{tc.name, s})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.s.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary() error = %v", err)
			}
			got, err := UnmarshalSummary(b)
			if err != nil {
				t.Fatalf("UnmarshalSummary() error = %v", err)
			}
			if !reflect.DeepEqual(got, tc.s) {
				t.Errorf("UnmarshalSummary(MarshalBinary(s)) = %+v, want %+v", got, tc.s)
			}
		})
	}
}

func TestMarshalBinaryDeterministic(t *testing.T) {
	a, b := fullSummary(), fullSummary()
	params := map[string]string{}
	for _, k := range []string{"z", "a", "m", "b", "y"} {
		params[k] = k
	}
	a.BodyStructure.(*imap.BodyStructureMultiPart).Extended.Params = params
	b.BodyStructure.(*imap.BodyStructureMultiPart).Extended.Params = map[string]string{"a": "a", "b": "b", "m": "m", "y": "y", "z": "z"}
	first, _ := a.MarshalBinary()
	for range 20 {
		if again, _ := b.MarshalBinary(); !bytes.Equal(first, again) {
			t.Fatalf("MarshalBinary() = %x, then %x", first, again)
		}
	}
}

func TestMarshalBinaryRejects(t *testing.T) {
	deep := imap.BodyStructure(&imap.BodyStructureSinglePart{Extended: &imap.BodyStructureSinglePartExt{}})
	for range maxDepth + 1 {
		deep = &imap.BodyStructureMultiPart{Children: []imap.BodyStructure{deep}, Extended: &imap.BodyStructureMultiPartExt{}}
	}
	tests := []struct {
		name string
		edit func(s *Summary)
	}{
		{"nil body structure", func(s *Summary) { s.BodyStructure = nil }},
		{"typed nil part", func(s *Summary) { s.BodyStructure = (*imap.BodyStructureSinglePart)(nil) }},
		{"negative header size", func(s *Summary) { s.HeaderSize = -1 }},
		{"multipart without children", func(s *Summary) { s.BodyStructure.(*imap.BodyStructureMultiPart).Children = nil }},
		{"multipart without extension", func(s *Summary) { s.BodyStructure.(*imap.BodyStructureMultiPart).Extended = nil }},
		{"part without extension", func(s *Summary) { part(s, 0).Extended = nil }},
		{"message without body", func(s *Summary) { part(s, 1).MessageRFC822.BodyStructure = nil }},
		{"date offset out of range", func(s *Summary) { s.Envelope.Date = time.Unix(0, 0).In(time.FixedZone("", 100*3600)) }},
		{"too deep", func(s *Summary) { s.BodyStructure = deep }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fullSummary()
			tc.edit(s)
			if b, err := s.MarshalBinary(); err == nil {
				t.Errorf("MarshalBinary() = %x, want an error", b)
			}
		})
	}
}

func part(s *Summary, i int) *imap.BodyStructureSinglePart {
	return s.BodyStructure.(*imap.BodyStructureMultiPart).Children[i].(*imap.BodyStructureSinglePart)
}

// leafBytes encodes a bare single part: kind, then eleven zero fields.
func leafBytes() []byte { return append([]byte{kindSingle}, make([]byte, 11)...) }

// nestedBytes encodes depth multiparts of one child each around a leaf.
func nestedBytes(depth int) []byte {
	b := []byte{formatVersion, 0, 0} // header size 0, no envelope
	for range depth {
		b = append(b, kindMulti, 1)
	}
	b = append(b, leafBytes()...)
	for range depth {
		b = append(b, 0, 0, 0, 0, 0) // subtype, params, disposition, language, location
	}
	return b
}

// wideBytes encodes a multipart with n leaf children.
func wideBytes(n int) []byte {
	b := binary.AppendUvarint([]byte{formatVersion, 0, 0, kindMulti}, uint64(n))
	b = append(b, bytes.Repeat(leafBytes(), n)...)
	return append(b, 0, 0, 0, 0, 0)
}

func TestUnmarshalSummary(t *testing.T) {
	valid, err := fullSummary().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	big := binary.AppendUvarint(nil, 1<<40)
	tests := []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"valid", valid, true},
		{"deepest allowed", nestedBytes(maxDepth), true},
		{"too deep", nestedBytes(maxDepth + 1), false},
		{"most parts allowed", wideBytes(maxParts - 1), true},
		{"too many parts", wideBytes(maxParts), false},
		{"empty", nil, false},
		{"unknown version", append([]byte{2}, valid[1:]...), false},
		{"trailing byte", append(append([]byte{}, valid...), 0), false},
		{"huge string length", append([]byte{formatVersion, 0, 1, 0}, big...), false},
		{"huge address count", append([]byte{formatVersion, 0, 1, 0, 0}, big...), false},
		{"huge child count", append([]byte{formatVersion, 0, 0, kindMulti}, big...), false},
		{"no children", append([]byte{formatVersion, 0, 0, kindMulti, 0}, leafBytes()...), false},
		{"non-minimal varint", []byte{formatVersion, 0x80, 0x00, 0}, false},
		{"varint overflow", []byte{formatVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, false},
		{"bad boolean", []byte{formatVersion, 0, 2}, false},
		{"bad kind", []byte{formatVersion, 0, 0, 3}, false},
		{"nil body structure", []byte{formatVersion, 0, 0, 0}, false},
		{"bad flags", append(append([]byte{formatVersion, 0, 0}, leafBytes()[:8]...), 4, 0, 0, 0), false},
		{"unsorted params", []byte{formatVersion, 0, 0, kindSingle, 0, 0, 3, 1, 'b', 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
		{"duplicate params", []byte{formatVersion, 0, 0, kindSingle, 0, 0, 3, 1, 'a', 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
		{"sorted params", []byte{formatVersion, 0, 0, kindSingle, 0, 0, 3, 1, 'a', 0, 1, 'b', 0, 0, 0, 0, 0, 0, 0, 0, 0}, true},
	}
	for i := 1; i < len(valid); i++ {
		tests = append(tests, struct {
			name string
			b    []byte
			ok   bool
		}{"truncated", valid[:i], false})
	}
	for _, tc := range tests {
		s, err := UnmarshalSummary(tc.b)
		if (err == nil) != tc.ok {
			t.Errorf("%s: UnmarshalSummary(%x) = %v, %v, want ok %v", tc.name, tc.b, s, err, tc.ok)
		}
		if err != nil && s != nil {
			t.Errorf("%s: UnmarshalSummary() = %v with error %v, want nil", tc.name, s, err)
		}
	}
}

func FuzzUnmarshalSummary(f *testing.F) {
	for _, tc := range summarizeCases() {
		if s, err := Summarize(strings.NewReader(tc.msg)); err == nil && len(tc.msg) < 4096 {
			b, _ := s.MarshalBinary()
			f.Add(b)
		}
	}
	full, _ := fullSummary().MarshalBinary()
	f.Add(full)
	f.Add(nestedBytes(3))
	f.Add(wideBytes(3))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := UnmarshalSummary(b)
		if err != nil {
			return
		}
		// Decoding accepts only canonical input, so encoding gives it back.
		enc, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary(UnmarshalSummary(%x)) error = %v", b, err)
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("MarshalBinary(UnmarshalSummary(%x)) = %x", b, enc)
		}
	})
}

func BenchmarkUnmarshalSummary(b *testing.B) {
	s, err := Summarize(bytes.NewReader(benchMessage()))
	if err != nil {
		b.Fatal(err)
	}
	enc, err := s.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnmarshalSummary(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalBinary(b *testing.B) {
	s, err := Summarize(bytes.NewReader(benchMessage()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}
