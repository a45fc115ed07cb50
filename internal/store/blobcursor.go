package store

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// blobCursor looks blob entries up in the order a container holds their
// records, which is mostly the order of their GUIDs (creation time): a few
// steps of the cursor cost less than a search from the root per record.
type blobCursor struct {
	c    *bolt.Cursor
	k, v []byte
}

// cursorSteps is how far get walks before it searches instead.
const cursorSteps = 8

func newBlobCursor(tx *bolt.Tx) *blobCursor {
	return &blobCursor{c: tx.Bucket(bucketBlobs).Cursor()}
}

// get returns the entry of g, nil if there is none; like Bucket.Get, the
// value is valid for the life of the transaction.
func (b *blobCursor) get(g GUID) []byte {
	if b.k != nil {
		switch c := bytes.Compare(b.k, g[:]); {
		case c == 0:
			return b.v
		case c < 0:
			for range cursorSteps {
				if b.k, b.v = b.c.Next(); b.k == nil {
					break
				}
				if c := bytes.Compare(b.k, g[:]); c >= 0 {
					if c == 0 {
						return b.v
					}
					return nil // g has no entry; the cursor stays past it
				}
			}
		}
	}
	b.k, b.v = b.c.Seek(g[:])
	if b.k != nil && bytes.Equal(b.k, g[:]) {
		return b.v
	}
	return nil
}
