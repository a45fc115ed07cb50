package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bloatedStore makes a store whose index is mostly free pages, as a large
// expunge leaves it: n messages appended, then all but every tenth removed
// in one transaction. It returns the data dir, closed.
func bloatedStore(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for w := range 32 {
		wg.Go(func() {
			for i := w; i < n; i += 32 {
				if _, err := s.Append(ctx, "a", "INBOX", testMessage(i, 300), 0, nil, time.Time{}, Quota{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mb, err := s.GetMailbox("a", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	uids, err := s.UIDs(mb.ID)
	if err != nil {
		t.Fatal(err)
	}
	var del []uint32
	for i, uid := range uids {
		if i%10 != 0 {
			del = append(del, uid)
		}
	}
	if _, err := s.Remove(ctx, mb.ID, del); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// indexDigest hashes every bucket, entry and bucket sequence of the index.
func indexDigest(t *testing.T, dir string) string {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, IndexFile), 0o640, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := sha256.New()
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			fmt.Fprintf(h, "bucket %x seq %d\n", name, b.Sequence())
			return b.ForEach(func(k, v []byte) error {
				fmt.Fprintf(h, "%x=%x\n", k, v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func TestCompactIndexKeepsEveryEntry(t *testing.T) {
	dir := bloatedStore(t, 6000)
	path := filepath.Join(dir, IndexFile)
	before := indexDigest(t, dir)
	size := fileSize(t, path)

	if !openWarnsOfBloat(t, dir) {
		t.Fatal("Open did not suggest axcompact index for an index mostly free")
	}
	sp, err := CompactIndex(Options{DataDir: dir}, 0.4, true)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Rewritten || fileSize(t, path) != size {
		t.Fatalf("a dry run rewrote the index: %+v", sp)
	}
	if sp.Bytes != size || sp.UsedBytes <= 0 || sp.FreeBytes < 2*sp.UsedBytes {
		t.Fatalf("dry run measured %+v of a %d-byte index; want two thirds of its pages free at least", sp, size)
	}
	if _, err := CompactIndex(Options{DataDir: dir}, 0.99, false); err != nil {
		t.Fatal(err)
	} else if fileSize(t, path) != size {
		t.Fatal("rewritten below the threshold")
	}

	sp, err = CompactIndex(Options{DataDir: dir}, 0.4, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("index: %d bytes, %d in use, %d free; %d after the rewrite", sp.Bytes, sp.UsedBytes, sp.FreeBytes, sp.BytesAfter)
	if !sp.Rewritten || sp.BytesAfter != fileSize(t, path) || sp.BytesAfter > sp.UsedBytes+1<<20 {
		t.Fatalf("rewrite: %+v, file now %d bytes", sp, fileSize(t, path))
	}
	if after := indexDigest(t, dir); after != before {
		t.Fatal("the rewritten index differs from the old one")
	}
	if _, err := os.Stat(filepath.Join(dir, indexCompactTemp)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary index left: %v", err)
	}
	again, err := CompactIndex(Options{DataDir: dir}, 0.4, false)
	if err != nil || again.Rewritten {
		t.Fatalf("second rewrite of a compact index: %+v, %v", again, err)
	}

	if openWarnsOfBloat(t, dir) {
		t.Fatal("Open suggested axcompact index for a rewritten index")
	}
	s, err := Open(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkClean(t, s, "after the rewrite")
	mb, err := s.GetMailbox("a", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if mb.Messages != 600 {
		t.Fatalf("INBOX has %d messages, want 600", mb.Messages)
	}
	if _, err := s.Append(context.Background(), "a", "INBOX", testMessage(7000, 300), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatalf("append to the rewritten index: %v", err)
	}
}

// openWarnsOfBloat opens and closes the store in dir and reports whether
// Open suggested axcompact index, with the threshold lowered to 1 MiB.
func openWarnsOfBloat(t *testing.T, dir string) bool {
	t.Helper()
	defer func(v int64) { bloatedIndexFree = v }(bloatedIndexFree)
	bloatedIndexFree = 1 << 20
	var logs bytes.Buffer
	s, err := Open(Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.Contains(logs.String(), "axcompact index")
}

const indexHelperEnv = "AXMAIL_INDEX_COMPACT_HELPER"

// TestIndexCompactionHelper is the process TestCompactIndexKilled kills.
func TestIndexCompactionHelper(t *testing.T) {
	dir := os.Getenv(indexHelperEnv)
	if dir == "" {
		return
	}
	fmt.Println("start")
	sp, err := CompactIndex(Options{DataDir: dir}, 0.4, false)
	if err == nil && !sp.Rewritten {
		err = fmt.Errorf("not rewritten: %+v", sp)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(0)
}

// TestCompactIndexKilled kills index rewrites at random moments: the index
// is always the old one or the new one, whole, and Open removes what the
// kill left.
func TestCompactIndexKilled(t *testing.T) {
	base := bloatedStore(t, 6000)
	want := indexDigest(t, base)
	// How long a rewrite takes here, to spread the kills over it.
	timing := t.TempDir()
	copyTree(t, base, timing)
	start := time.Now()
	if sp, err := CompactIndex(Options{DataDir: timing}, 0.4, false); err != nil || !sp.Rewritten {
		t.Fatalf("%+v, %v", sp, err)
	}
	took := time.Since(start)
	span := took * 2 // the helper is colder: some kills come after its end
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	runs, interrupted := 20, 0
	for run := range runs {
		dir := t.TempDir()
		copyTree(t, base, dir)
		cmd := exec.Command(os.Args[0], "-test.run=^TestIndexCompactionHelper$")
		cmd.Env = append(os.Environ(), indexHelperEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Past its start, the helper's first act is the rewrite.
		if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("run %d: helper did not start: %v\n%s", run, err, stderr.String())
		}
		time.Sleep(time.Duration(rng.Int64N(int64(span))))
		_ = cmd.Process.Kill()
		_, _ = io.Copy(io.Discard, stdout)
		err = cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee) && !ee.Exited():
			interrupted++
		default:
			t.Fatalf("run %d: helper: %v\n%s", run, err, stderr.String())
		}
		if got := indexDigest(t, dir); got != want {
			t.Fatalf("run %d: the index changed", run)
		}
		s, err := Open(Options{DataDir: dir})
		if err != nil {
			t.Fatalf("run %d: open: %v", run, err)
		}
		if _, err := os.Stat(filepath.Join(dir, indexCompactTemp)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("run %d: Open left the temporary index: %v", run, err)
		}
		checkClean(t, s, fmt.Sprintf("run %d", run))
		s.Close()
	}
	t.Logf("%d of %d rewrites killed before they ended (a rewrite took %v here)", interrupted, runs, took)
	if interrupted < runs/5 {
		t.Errorf("only %d of %d kills interrupted a rewrite", interrupted, runs)
	}
}
