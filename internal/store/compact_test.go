package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fillHalfDeleted appends n messages to one mailbox and expunges every
// other one; it returns the GUIDs and bodies of those that stay.
func fillHalfDeleted(t *testing.T, s *Store, n, size int) map[GUID][]byte {
	t.Helper()
	ctx := context.Background()
	kept := make(map[GUID][]byte)
	var del []uint32
	var mb MailboxID
	for i := range n {
		body := testMessage(i, size)
		p, err := s.Append(ctx, "a@example.org", "INBOX", body, 0, nil, time.Time{}, Quota{})
		if err != nil {
			t.Fatal(err)
		}
		mb = p.Mailbox
		info, _ := s.Message(p.Mailbox, p.UID)
		if i%2 == 0 {
			del = append(del, p.UID)
		} else {
			kept[info.GUID] = body
		}
	}
	if _, err := s.Remove(ctx, mb, del); err != nil {
		t.Fatal(err)
	}
	return kept
}

func TestCompactReclaimsAndKeepsLive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, Options{DataDir: dir, ContainerSize: 256 << 10})
	kept := fillHalfDeleted(t, s, 200, 4000)
	var before int64
	for _, p := range s.files {
		st, _ := os.Stat(p)
		before += st.Size()
	}
	dry, err := s.Compact(ctx, CompactOptions{DryRun: true})
	if err != nil || dry.Candidates == 0 || dry.Compacted != 0 {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	res, err := s.Compact(ctx, CompactOptions{})
	if err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if res.Compacted == 0 || res.Compacted != res.Candidates || len(res.Skipped) != 0 {
		t.Fatalf("Compact = %+v", res)
	}
	var after int64
	for _, p := range s.files {
		st, _ := os.Stat(p)
		after += st.Size()
	}
	if after >= before*3/4 {
		t.Fatalf("containers %d bytes after compaction, %d before: nothing reclaimed", after, before)
	}
	for g, body := range kept {
		if got := readAll(t, s, g); !bytes.Equal(got, body) {
			t.Fatalf("message %s changed by compaction", g)
		}
	}
	mustCheckClean(t, s)
	// A second run finds nothing to do.
	res, err = s.Compact(ctx, CompactOptions{})
	if err != nil || res.Compacted != 0 {
		t.Fatalf("second Compact = %+v, %v", res, err)
	}
	// Still consistent after a reopen, and rebuildable.
	s.Close()
	rb, err := RebuildIndex(ctx, Options{DataDir: dir}, nil)
	if err != nil {
		t.Fatalf("RebuildIndex: %v", err)
	}
	if rb.Messages != int64(len(kept)) {
		t.Fatalf("rebuild restored %d messages, want %d (deleted %d)", rb.Messages, len(kept), rb.Deleted)
	}
	s2 := openTest(t, Options{DataDir: dir, ContainerSize: 256 << 10})
	mustCheckClean(t, s2)
	mb, err := s2.GetMailbox("a@example.org", "INBOX")
	if err != nil || int(mb.Messages) != len(kept) {
		t.Fatalf("after rebuild INBOX = %+v, %v", mb, err)
	}
	for g, body := range kept {
		if got := readAll(t, s2, g); !bytes.Equal(got, body) {
			t.Fatalf("message %s changed by rebuild", g)
		}
	}
}

func TestCompactSkipsDamagedContainer(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{ContainerSize: 256 << 10})
	kept := fillHalfDeleted(t, s, 100, 4000)
	// Damage one live record's body in a sealed container.
	var victim GUID
	var b *blobValue
	for g := range kept {
		b = s.blobOf(t, g)
		if b.Container != s.activeID(t) {
			victim = g
			break
		}
	}
	path, _ := s.containerPath(b.Container)
	flipByte(t, path, b.bodyOffset()+10)
	res, err := s.Compact(ctx, CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Path != path {
		t.Fatalf("Skipped = %+v, want %s", res.Skipped, path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("damaged container was removed: %v", err)
	}
	chk, err := s.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range chk.Problems {
		if p.Kind == "corrupt" && p.Path == path {
			found = true
		}
	}
	if !found {
		t.Fatalf("check did not report the damaged record in %s: %v", path, chk.Problems)
	}
	_ = victim
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// A run cancelled after its first group leaves no intent and no output
// behind: every group's intent is committed before the copies start, and
// the groups never finished are undone.
func TestCompactCancelledLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, Options{DataDir: dir, ContainerSize: 128 << 10})
	kept := fillHalfDeleted(t, s, 400, 4000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := s.Compact(ctx, CompactOptions{Progress: func(done, total int64) { cancel() }})
	if err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if res.Compacted == 0 || res.Compacted == res.Candidates {
		t.Fatalf("Compact = %+v, want it cut short after its first group", res)
	}
	var intents int
	if err := s.db.View(func(tx *bolt.Tx) error {
		intents = tx.Bucket(bucketCompactions).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if intents != 0 {
		t.Fatalf("%d compaction intents left after a cancelled run", intents)
	}
	mustCheckClean(t, s) // an output left behind is an unknown container
	for g, body := range kept {
		if got := readAll(t, s, g); !bytes.Equal(got, body) {
			t.Fatalf("message %s changed", g)
		}
	}
}

// TestCompactKeepsTombstonesOfItsOwnSources: a group whose sources hold
// both deleted records and their tombstones keeps the tombstones in its
// output, for step 4 unlinks the sources one at a time. A kill after the
// unlink of the tombstones' source, before that of the records', followed
// by the loss of the index, must not bring the deleted messages back in a
// --rebuild-index.
func TestCompactKeepsTombstonesOfItsOwnSources(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := Options{DataDir: dir, ContainerSize: 64 << 10}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	guids, mb := appendGUIDs(t, s, "a@example.org", 12, 8000) // two containers' worth
	uids, err := s.UIDs(mb)
	if err != nil {
		t.Fatal(err)
	}
	first := s.blobOf(t, guids[0]).Container
	firstPath, _ := s.containerPath(first)
	if _, err := s.Remove(ctx, mb, uids); err != nil {
		t.Fatal(err)
	}
	// The tombstones go with the next group commit, to the second container.
	if _, err := s.Append(ctx, "b@example.org", "INBOX", testMessage(99, 100), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(firstPath)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Compact(ctx, CompactOptions{})
	if err != nil || res.Compacted < 2 {
		t.Fatalf("Compact = %+v, %v; want the containers compacted together", res, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The state of a kill between the two unlinks, and the index lost.
	if err := os.WriteFile(firstPath, saved, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, IndexFile)); err != nil {
		t.Fatal(err)
	}
	rb, err := RebuildIndex(ctx, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rb.Messages != 1 { // b's, the one live message
		t.Fatalf("rebuild restored %d messages, want 1 (%d records, %d skipped as deleted): deleted ones came back", rb.Messages, rb.Records, rb.Deleted)
	}
}
