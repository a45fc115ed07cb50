package store

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The active container is zero-filled ahead of its appends; a copy taken
// while it is (as a crash leaves it) opens clean with every message, and a
// closed store keeps no zeros.
func TestZeroFillAheadOfAppends(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const size = 4 << 20
	s, err := Open(Options{DataDir: dir, ContainerSize: size})
	if err != nil {
		t.Fatal(err)
	}
	// A fill starts after a write, when the zeros ahead run short: append
	// until the container is zero-filled to its end (three fills).
	appended := 0
	path := ""
	deadline := time.Now().Add(5 * time.Second)
	for {
		appendInbox(t, s, appended, 1, 3000)
		appended++
		if path == "" {
			path, _ = s.containerPath(s.activeID(t))
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() == size {
			break
		}
		if appended == 200 || time.Now().After(deadline) {
			t.Fatalf("active container is %d bytes after %d appends, want it zero-filled to %d", st.Size(), appended, size)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mb, err := s.GetMailbox("a", "INBOX") // settles the index
	if err != nil || mb.Messages != uint32(appended) {
		t.Fatalf("INBOX = %+v, %v; want %d messages", mb, err, appended)
	}

	// A copy now is the store as a crash would leave it.
	crashed := t.TempDir()
	copyTree(t, dir, crashed)
	c := openTest(t, Options{DataDir: crashed, ContainerSize: size})
	if mb, err := c.GetMailbox("a", "INBOX"); err != nil || mb.Messages != uint32(appended) {
		t.Fatalf("INBOX after a crash = %+v, %v; want %d messages", mb, err, appended)
	}
	mustCheckClean(t, c)
	if _, err := c.Append(ctx, "a", "INBOX", testMessage(99, 3000), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatalf("append after a crash: %v", err)
	}
	mustCheckClean(t, c)

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, Options{DataDir: dir, ContainerSize: size})
	st, _ := os.Stat(path)
	committed := activeCommitted(t, s)
	if st.Size() != committed {
		t.Fatalf("closed container is %d bytes, its records end at %d", st.Size(), committed)
	}
	mustCheckClean(t, s)
}

// A scan stops at the zero fill without reporting a problem.
func TestScanEndsAtZeroFill(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.axc")
	f, err := createContainerFile(path, 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec := encodeRecord(KindMessage, GUID{7}, encodeMeta(&RecordMeta{Placements: []Placement{{Account: "a", Mailbox: "INBOX"}}}), testMessage(1, 500))
	if _, err := f.Write(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	n := 0
	end, err := scanContainer(path, -1, nil, true, func(*Record) error { n++; return nil }, func(p ScanProblem) {
		t.Errorf("problem reported: %v", p.Err)
	})
	if err != nil || n != 1 || end != containerHeaderSize+int64(len(rec)) {
		t.Fatalf("scan = %d records, end %d, %v", n, end, err)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o750)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Large groups get no zeros ahead: they would double the bytes written
// for less than they save.
func TestNoZeroFillForLargeGroups(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, Options{DataDir: dir, ContainerSize: 64 << 20})
	appendInbox(t, s, 0, 12, 512<<10)
	if _, err := s.GetMailbox("a", "INBOX"); err != nil { // settles the index
		t.Fatal(err)
	}
	committed := activeCommitted(t, s)
	path, _ := s.containerPath(s.activeID(t))
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != committed {
		t.Fatalf("active container is %d bytes, its records end at %d: zeros were laid ahead of large groups", st.Size(), committed)
	}
}

// activeCommitted is the length of the active container the index holds.
func activeCommitted(t *testing.T, s *Store) int64 {
	t.Helper()
	var committed int64
	if err := s.db.View(func(tx *bolt.Tx) error {
		cv, err := decodeContainer(tx.Bucket(bucketContainers).Get(u64key(s.activeID(t))))
		committed = cv.Size
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return committed
}
