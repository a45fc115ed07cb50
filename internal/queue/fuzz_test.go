package queue

import (
	"bytes"
	"hash/crc32"
	"reflect"
	"testing"
	"time"
)

func crcOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// FuzzDecode feeds arbitrary files to the decoder: it must never panic,
// only accept what re-encodes to the same bytes, and refuse the rest with
// ErrCorrupt. Seeds are under testdata/fuzz/FuzzDecode; a valid file is
// added here too, since its checksums make it hard to find by mutation.
func FuzzDecode(f *testing.F) {
	m := Message{ID: "0123456789abcdef01234567", Envelope: testEnvelope(3), Created: time.Unix(1e9, 5).UTC()}
	head, err := encode(m, []byte("Subject: hi\r\n\r\nbody\r\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append(head, "Subject: hi\r\n\r\nbody\r\n"...))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, body, err := decode(b)
		if err != nil {
			return
		}
		head, err := encode(m, body)
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		if !bytes.Equal(append(head, body...), b) {
			// Only a different but equivalent encoding may differ:
			// decode again and compare the values.
			m2, body2, err := decode(append(head, body...))
			if err != nil || !reflect.DeepEqual(m, m2) || !bytes.Equal(body, body2) {
				t.Fatalf("re-encoding changed the message: %+v vs %+v (%v)", m, m2, err)
			}
		}
	})
}
