package store

import (
	"testing"

	bolt "go.etcd.io/bbolt"
)

func (s *Store) blobOf(t testing.TB, g GUID) *blobValue {
	t.Helper()
	var b *blobValue
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		b, err = decodeBlob(tx.Bucket(bucketBlobs).Get(g[:]))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *Store) activeID(t testing.TB) uint64 {
	t.Helper()
	var id uint64
	s.db.View(func(tx *bolt.Tx) error {
		id = getU64(tx.Bucket(bucketMeta).Get(keyActive))
		return nil
	})
	return id
}
