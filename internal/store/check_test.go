package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func problemKinds(res CheckResult) map[string]int {
	m := make(map[string]int)
	for _, p := range res.Problems {
		m[p.Kind]++
	}
	return m
}

func TestCheckFindsAndRepairs(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	const a = "a@example.org"
	guids, mb := appendGUIDs(t, s, a, 6, 500)
	// Break the index behind the store's back: an orphan (blob entry and
	// message gone), a dangling message (blob gone) and a wrong counter.
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketBlobs).Delete(guids[0][:]); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMessages).Delete(messageKey(mb, 1)); err != nil {
			return err
		}
		b, _ := decodeBlob(tx.Bucket(bucketBlobs).Get(guids[1][:]))
		b.Container = 999
		if err := tx.Bucket(bucketBlobs).Put(guids[1][:], b.encode()); err != nil {
			return err
		}
		m, _ := decodeMailbox(mb, tx.Bucket(bucketMailboxes).Get(u64key(uint64(mb))))
		m.Unseen = 42
		return tx.Bucket(bucketMailboxes).Put(u64key(uint64(mb)), encodeMailbox(m))
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := problemKinds(res)
	for _, k := range []string{"orphan", "misplaced", "counter"} {
		if kinds[k] == 0 {
			t.Errorf("check did not report %s: %v", k, res.Problems)
		}
	}
	for _, p := range res.Problems {
		if p.Kind == "orphan" && (p.Path == "" || p.Offset < containerHeaderSize) {
			t.Errorf("orphan without file and offset: %+v", p)
		}
	}
	if _, err := s.Check(ctx, CheckOptions{Repair: true}); err != nil {
		t.Fatalf("repair: %v", err)
	}
	mustCheckClean(t, s)
	rec, err := s.GetMailbox(a, RecoveryMailbox)
	if err != nil || rec.Messages != 1 {
		t.Fatalf("recovery mailbox = %+v, %v", rec, err)
	}
	inbox, _ := s.MailboxByID(mb)
	if inbox.Messages != 5 || inbox.Unseen != 5 {
		t.Fatalf("INBOX after repair = %+v, want 5 messages (one relocated, one dropped)", inbox)
	}
}

// An orphan is found when every blob entry is intact, too: the check then
// joins its scan with the index it verified beside it (joinScan), and
// looks up only the records that no blob entry pointed at.
func TestCheckFindsOrphanWhenIndexIsOtherwiseIntact(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	guids, mb := appendGUIDs(t, s, "a", 6, 500)
	orphan := s.blobOf(t, guids[2])
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketBlobs).Delete(guids[2][:]); err != nil {
			return err
		}
		return tx.Bucket(bucketMessages).Delete(messageKey(mb, 3))
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var found []Problem
	for _, p := range res.Problems {
		if p.Kind == "orphan" {
			found = append(found, p)
		}
	}
	if len(found) != 1 || found[0].Offset != orphan.Offset || found[0].Path == "" {
		t.Fatalf("orphans reported: %+v; want one, at offset %d: %v", found, orphan.Offset, res.Problems)
	}
}

func TestCheckReportsCorruptionWithOffset(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	p, err := s.Append(ctx, "a", "INBOX", testMessage(1, 500), 0, nil, time.Time{}, Quota{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "a", "INBOX", testMessage(2, 500), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatal(err)
	}
	info, _ := s.Message(p.Mailbox, p.UID)
	b := s.blobOf(t, info.GUID)
	path, _ := s.containerPath(b.Container)
	flipByte(t, path, b.Offset+recordHeaderSize+5)
	res, err := s.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var corrupt *Problem
	for i, p := range res.Problems {
		if p.Kind == "corrupt" {
			corrupt = &res.Problems[i]
		}
	}
	if corrupt == nil || corrupt.Path != path || corrupt.Offset != b.Offset {
		t.Fatalf("corrupt problem = %+v, want %s at %d; all: %v", corrupt, path, b.Offset, res.Problems)
	}
	// The scan resynchronised: the second message is intact and referenced.
	for _, p := range res.Problems {
		if p.Kind == "dangling" && !strings.Contains(p.Message, info.GUID.String()) {
			t.Fatalf("a message other than the damaged one is dangling: %s", p)
		}
	}
	// Repair drops the damaged message and keeps the other.
	if _, err := s.Check(ctx, CheckOptions{Repair: true}); err != nil {
		t.Fatal(err)
	}
	mb, _ := s.MailboxByID(p.Mailbox)
	if mb.Messages != 1 {
		t.Fatalf("after repair %d messages, want 1", mb.Messages)
	}
	res, _ = s.Check(ctx, CheckOptions{})
	for _, p := range res.Problems {
		if p.Kind != "corrupt" { // the damaged bytes stay until compaction
			t.Errorf("after repair: %s", p)
		}
	}
}

func TestForeignAndTruncatedFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, Options{DataDir: dir})
	if _, err := s.Append(ctx, "a", "INBOX", testMessage(1, 500), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatal(err)
	}
	foreign := dir + "/containers/000/notes.txt"
	os.MkdirAll(filepath.Dir(foreign), 0o755)
	if err := os.WriteFile(foreign, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	bogus := s.layout.file(dir, 77)
	os.MkdirAll(filepath.Dir(bogus), 0o755)
	if err := os.WriteFile(bogus, []byte("not a container at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTest(t, Options{DataDir: dir})
	res, err := s.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := problemKinds(res)
	if kinds["foreign"] != 1 || kinds["unknown_container"] != 1 || kinds["corrupt"] != 1 {
		t.Fatalf("problems = %v", res.Problems)
	}
	if _, err := s.Check(ctx, CheckOptions{Repair: true}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{foreign, bogus} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("repair removed %s: %v", p, err)
		}
	}
}

func TestTornTailCutOnOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, Options{DataDir: dir})
	p, err := s.Append(ctx, "a", "INBOX", testMessage(1, 500), 0, nil, time.Time{}, Quota{})
	if err != nil {
		t.Fatal(err)
	}
	id := s.activeID(t)
	path, _ := s.containerPath(id)
	s.Close()
	st, _ := os.Stat(path)
	// A half-written record after the committed one, as a crash leaves.
	rec := encodeRecord(KindMessage, GUID{1}, encodeMeta(&RecordMeta{}), testMessage(2, 500))
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(rec[:len(rec)/2])
	f.Close()
	s = openTest(t, Options{DataDir: dir})
	st2, _ := os.Stat(path)
	if st2.Size() != st.Size() {
		t.Fatalf("size after open = %d, want the committed %d", st2.Size(), st.Size())
	}
	if _, err := s.Message(p.Mailbox, p.UID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "a", "INBOX", testMessage(3, 500), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatal(err)
	}
	mustCheckClean(t, s)
}

func TestIndexMissingRefusesOpen(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, Options{DataDir: dir})
	if _, err := s.Append(context.Background(), "a", "INBOX", testMessage(1, 500), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.Remove(dir + "/" + IndexFile)
	if _, err := Open(Options{DataDir: dir}); !errors.Is(err, ErrIndexMissing) {
		t.Fatalf("Open without index = %v, want ErrIndexMissing", err)
	}
	res, err := RebuildIndex(context.Background(), Options{DataDir: dir}, nil)
	if err != nil || res.Messages != 1 {
		t.Fatalf("RebuildIndex = %+v, %v", res, err)
	}
	s = openTest(t, Options{DataDir: dir})
	mustCheckClean(t, s)
}

// A check while appends, expunges and a compaction run reports nothing:
// what was written after its scan began is not a problem.
func TestOnlineCheckDuringWrites(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openTest(t, Options{ContainerSize: 128 << 10})
	done := make(chan error, 1)
	go func() {
		var mb MailboxID
		for i := 0; ctx.Err() == nil; i++ {
			p, err := s.Append(ctx, "a", "INBOX", testMessage(i, 3000), 0, nil, time.Time{}, Quota{})
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				done <- err
				return
			}
			mb = p.Mailbox
			if i%3 == 0 {
				if _, err := s.Remove(ctx, mb, []uint32{p.UID}); err != nil && ctx.Err() == nil {
					done <- err
					return
				}
			}
		}
		done <- nil
	}()
	deadline := time.Now().Add(2 * time.Second)
	for n := 0; time.Now().Before(deadline); n++ {
		if n%3 == 2 {
			if _, err := s.Compact(ctx, CompactOptions{Threshold: 0.2}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.Check(ctx, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.Problems {
			t.Fatalf("online check %d: %s", n, p)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A placement the store refused (here: over quota) is not a delivery: an
// index rebuilt from the containers must not put the message there, while
// the other recipient keeps it. Before and after a compaction, which
// copies the record without its group's commit record.
func TestRebuildSkipsRefusedPlacements(t *testing.T) {
	for _, compact := range []bool{false, true} {
		ctx := context.Background()
		dir := t.TempDir()
		s := openTest(t, Options{DataDir: dir, ContainerSize: 64 << 10})
		if _, err := s.Append(ctx, "full", "INBOX", testMessage(0, 500), 0, nil, time.Time{}, Quota{}); err != nil {
			t.Fatal(err)
		}
		_, placed, err := s.Deliver(ctx, testMessage(1, 500), Delivery{Targets: []Target{
			{Account: "ok", Mailbox: "INBOX"},
			{Account: "full", Mailbox: "INBOX", Quota: Quota{Messages: 1}},
		}})
		if err != nil || placed[0].Err != nil || !errors.Is(placed[1].Err, ErrOverQuota) {
			t.Fatalf("Deliver = %+v, %v; want the second target over quota", placed, err)
		}
		// Records after it must stay where the index says: its record
		// changed size when the refused placement left it.
		for i := range 3 {
			if _, err := s.Append(ctx, "ok", "INBOX", testMessage(100+i, 500), 0, nil, time.Time{}, Quota{}); err != nil {
				t.Fatal(err)
			}
		}
		mustCheckClean(t, s)
		if compact {
			// Garbage in the first container, so that it is compacted.
			appendInbox(t, s, 10, 30, 4000)
			mb, _ := s.GetMailbox("a", "INBOX")
			uids, _ := s.UIDs(mb.ID)
			if _, err := s.Remove(ctx, mb.ID, uids); err != nil {
				t.Fatal(err)
			}
			if res, err := s.Compact(ctx, CompactOptions{Threshold: 0.1}); err != nil || res.Compacted == 0 {
				t.Fatalf("Compact = %+v, %v", res, err)
			}
		}
		s.Close()
		if _, err := RebuildIndex(ctx, Options{DataDir: dir}, nil); err != nil {
			t.Fatal(err)
		}
		s = openTest(t, Options{DataDir: dir})
		for account, want := range map[string]uint32{"ok": 4, "full": 1} {
			mb, err := s.GetMailbox(account, "INBOX")
			if err != nil || mb.Messages != want {
				t.Errorf("compacted %v: %s's INBOX after the rebuild: %+v, %v; want %d messages", compact, account, mb, err, want)
			}
		}
		mustCheckClean(t, s)
		s.Close()
	}
}
