package queue

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestFormatRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		m    Message
		body []byte
	}{
		{"every field", Message{ID: "0123456789abcdef01234567", Envelope: testEnvelope(1),
			Created: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Attempts: 3,
			NextAttempt: time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC), LastError: "451 4.7.1 try later"}, testBody(9)},
		{"null sender, empty body", Message{ID: "ffffffffffffffff00000000", Envelope: Envelope{Recipients: []Recipient{{Address: "x@y.example"}}}}, nil},
	} {
		head, err := encode(tc.m, tc.body)
		if err != nil {
			t.Fatalf("%s: encode: %v", tc.name, err)
		}
		got, body, err := decode(append(head, tc.body...))
		want := tc.m
		want.Size = int64(len(tc.body))
		if err != nil || !reflect.DeepEqual(got, want) || !bytes.Equal(body, tc.body) {
			t.Errorf("%s: decode = %+v, %q, %v; want %+v", tc.name, got, body, err, want)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	m := Message{ID: "0123456789abcdef01234567", Envelope: testEnvelope(2)}
	head, err := encode(m, []byte("body"))
	if err != nil {
		t.Fatal(err)
	}
	good := append(head, "body"...)
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	reheader := func(h header, rest []byte) []byte { return append(h.marshal(), rest...) }
	envLen := len(head) - headerSize
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"header only", good[:headerSize]},
		{"one byte short", good[:len(good)-1]},
		{"one byte more", append(bytes.Clone(good), 0)},
		{"magic", mod(func(b []byte) []byte { b[1] = 'x'; return b })},
		{"version", mod(func(b []byte) []byte { b[4] = 2; return b })},
		{"reserved", mod(func(b []byte) []byte { b[6] = 1; return b })},
		{"header checksum", mod(func(b []byte) []byte { b[26] ^= 1; return b })},
		{"body checksum", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b })},
		{"envelope over limit", reheader(header{envLen: maxEnvelopeSize + 1}, nil)},
		{"body over limit", reheader(header{bodyLen: maxBodySize + 1}, nil)},
		{"envelope trailing bytes", func() []byte {
			env := append(encodeEnvelope(m), 0)
			return append(reheader(header{envLen: uint32(len(env)), crc: crcOf(env)}, nil), env...)
		}()},
		{"no recipients", func() []byte {
			env := encodeEnvelope(Message{ID: m.ID})
			return append(reheader(header{envLen: uint32(len(env)), crc: crcOf(env)}, nil), env...)
		}()},
		{"bad id", func() []byte {
			env := encodeEnvelope(Message{ID: "../../etc/passwd", Envelope: testEnvelope(1)})
			return append(reheader(header{envLen: uint32(len(env)), crc: crcOf(env)}, nil), env...)
		}()},
		{"envelope cut", func() []byte {
			env := encodeEnvelope(m)[:envLen/2]
			return append(reheader(header{envLen: uint32(len(env)), crc: crcOf(env)}, nil), env...)
		}()},
	} {
		if _, _, err := decode(tc.b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decode(%s) = %v, want ErrCorrupt", tc.name, err)
		}
	}
}
