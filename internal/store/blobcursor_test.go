package store

import (
	"math/rand/v2"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The cursor answers exactly as Bucket.Get for any order of lookups:
// increasing with gaps (a container's records), backwards and absent keys.
func TestBlobCursorMatchesGet(t *testing.T) {
	s := openTest(t, Options{})
	var keys []GUID
	for i := range 300 {
		var g GUID
		g[7] = byte(i)
		g[6] = byte(i >> 8)
		g[15] = byte(i * 7)
		keys = append(keys, g)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i, g := range keys {
			if i%3 == 0 {
				continue // absent: a dead record's entry is gone
			}
			if err := tx.Bucket(bucketBlobs).Put(g[:], []byte{byte(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	orders := [][]GUID{keys, slices.Clone(keys), slices.Clone(keys)}
	slices.Reverse(orders[1])
	rand.Shuffle(len(orders[2]), func(i, j int) { orders[2][i], orders[2][j] = orders[2][j], orders[2][i] })
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, order := range orders {
			c := newBlobCursor(tx)
			for _, g := range order {
				want := tx.Bucket(bucketBlobs).Get(g[:])
				if got := c.get(g); string(got) != string(want) || (got == nil) != (want == nil) {
					t.Fatalf("get(%s) = %v, Bucket.Get = %v", g, got, want)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
