package store

import (
	"math/rand/v2"
	"testing"
)

// checkMeta accepts exactly what decodeMeta accepts: every prefix of valid
// metas and thousands of corrupted copies are judged alike.
func TestCheckMetaAgreesWithDecodeMeta(t *testing.T) {
	metas := [][]byte{
		encodeMeta(&RecordMeta{InternalDate: 1700000000, TZOffset: 3600}),
		encodeMeta(&RecordMeta{InternalDate: -5, Placements: []Placement{{Account: "alice@example.org", Mailbox: "INBOX"}}}),
		encodeMeta(&RecordMeta{InternalDate: 1, Placements: []Placement{
			{Account: "alice@example.org", Mailbox: "INBOX", Flags: FlagSeen, Keywords: []string{"$Label1", "work"}},
			{Account: "bob@example.org", Mailbox: "Archive/2026", Keywords: []string{"x"}},
		}}),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	judge := func(b []byte) {
		t.Helper()
		_, derr := decodeMeta(b)
		cerr := checkMeta(b)
		if (derr == nil) != (cerr == nil) {
			t.Fatalf("meta %x: decodeMeta says %v, checkMeta says %v", b, derr, cerr)
		}
	}
	for _, m := range metas {
		for i := 0; i <= len(m); i++ {
			judge(m[:i])
		}
		for range 2000 {
			c := append([]byte(nil), m...)
			c[rng.IntN(len(c))] = byte(rng.Uint32())
			judge(c)
			judge(append(c, byte(rng.Uint32())))
		}
	}
}
