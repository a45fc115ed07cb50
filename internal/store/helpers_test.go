package store

import (
	"context"
	"testing"
	"time"

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

// appendGUIDs appends n test messages of size bytes to account's INBOX
// and returns their GUIDs, in order, and the mailbox.
func appendGUIDs(t testing.TB, s *Store, account string, n, size int) ([]GUID, MailboxID) {
	t.Helper()
	var guids []GUID
	var mb MailboxID
	for i := range n {
		p, err := s.Append(context.Background(), account, "INBOX", testMessage(i, size), 0, nil, time.Time{}, Quota{})
		if err != nil {
			t.Fatal(err)
		}
		info, _ := s.Message(p.Mailbox, p.UID)
		guids = append(guids, info.GUID)
		mb = p.Mailbox
	}
	return guids, mb
}

// appendInbox appends messages from..from+n-1, of size bytes each, to
// account a's INBOX.
func appendInbox(t testing.TB, s *Store, from, n, size int) {
	t.Helper()
	for i := range n {
		if _, err := s.Append(context.Background(), "a", "INBOX", testMessage(from+i, size), 0, nil, time.Time{}, Quota{}); err != nil {
			t.Fatal(err)
		}
	}
}
