package store

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// findNear must find what a plain search finds, whatever the order of the
// look-ups: increasing runs (its fast path), jumps back, and GUIDs that
// are not in the table (between entries, before the first, after the last).
func TestBlobTableFindNear(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 17, 1000} {
		var all []GUID
		for range 2 * n {
			var g GUID
			for i := range g {
				g[i] = byte(rng.UintN(256))
			}
			all = append(all, g)
		}
		slices.SortFunc(all, func(a, b GUID) int { return bytes.Compare(a[:], b[:]) })
		all = slices.Compact(all)
		var table blobTable
		in := make(map[GUID]bool)
		for i, g := range all {
			if i%2 == 0 { // every other one is in the table; the rest are misses
				table = append(table, blobEntry{guid: g})
				in[g] = true
			}
		}
		// Increasing, with misses, then random order.
		lookups := append(slices.Clone(all), all...)
		for range 3 * len(all) {
			lookups = append(lookups, all[rng.IntN(len(all))])
		}
		if len(all) == 0 {
			lookups = append(lookups, GUID{})
		}
		near := 0
		for k, g := range lookups {
			e := table.findNear(g, &near)
			switch {
			case in[g] && (e == nil || e.guid != g):
				t.Fatalf("n=%d lookup %d: %s not found", n, k, g)
			case !in[g] && e != nil:
				t.Fatalf("n=%d lookup %d: %s found as %s, but it is not in the table", n, k, g, e.guid)
			}
		}
	}
}
