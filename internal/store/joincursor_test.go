package store

import (
	"math/rand/v2"
	"testing"
)

// TestJoinCursorFindsEveryRecord looks records up in order, in reverse
// and at random, with misses between them: galloping from the last match
// must find what a plain search finds.
func TestJoinCursorFindsEveryRecord(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 7, 100, 1000} {
		recs := make([]scannedRecord, n)
		off := int64(containerHeaderSize)
		for i := range recs {
			recs[i] = scannedRecord{guid: GUID{byte(i), byte(i >> 8), 1}, loc: recLoc{offset: off, metaLen: 10, bodyLen: uint32(i)}}
			off += 100 + rng.Int64N(50)
		}
		orders := map[string][]int{"increasing": {}, "decreasing": {}, "random": rng.Perm(n)}
		for i := range n {
			orders["increasing"] = append(orders["increasing"], i)
			orders["decreasing"] = append(orders["decreasing"], n-1-i)
		}
		for name, order := range orders {
			c := &joinCursor{recs: recs}
			for _, i := range order {
				r := recs[i]
				ref := blobRef{Offset: r.loc.offset, MetaLen: r.loc.metaLen, BodyLen: r.loc.bodyLen}
				if !c.match(r.guid, ref) {
					t.Fatalf("%d records, %s: record %d not found", n, name, i)
				}
				miss := ref
				miss.Offset++ // between two records
				if c.match(r.guid, miss) {
					t.Fatalf("%d records, %s: matched offset %d, where no record starts", n, name, miss.Offset)
				}
				if other := (GUID{0xff}); c.match(other, ref) {
					t.Fatalf("%d records, %s: record %d matched another GUID", n, name, i)
				}
			}
			for i, m := range c.matched {
				if !m {
					t.Fatalf("%d records, %s: record %d not marked", n, name, i)
				}
			}
		}
	}
}
