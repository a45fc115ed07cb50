package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Readers share one open file per container; a reader opened before a
// compaction still reads its bytes after the container is gone, and the
// cache holds no removed container afterwards.
func TestFileCacheAcrossCompaction(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{ContainerSize: 256 << 10})
	kept := fillHalfDeleted(t, s, 200, 4000)
	for g, body := range kept {
		if got := readAll(t, s, g); !bytes.Equal(got, body) {
			t.Fatalf("message %s reads back wrong", g)
		}
	}
	s.filesMu.Lock()
	containers := len(s.files)
	s.filesMu.Unlock()
	s.fcache.mu.Lock()
	n := len(s.fcache.files)
	s.fcache.mu.Unlock()
	if n == 0 || n > containers {
		t.Fatalf("%d files cached for %d containers after reading every message", n, containers)
	}
	var held *MessageReader
	var heldBody []byte
	for g, body := range kept {
		r, err := s.OpenMessage(g)
		if err != nil {
			t.Fatal(err)
		}
		held, heldBody = r, body
		break
	}
	if _, err := s.Compact(ctx, CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(held)
	if err != nil || !bytes.Equal(got, heldBody) {
		t.Fatalf("a reader opened before compaction read %d bytes, %v; want its message", len(got), err)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	if err := held.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s.fcache.mu.Lock()
	for id := range s.fcache.files {
		if _, ok := s.containerPath(id); !ok {
			t.Errorf("container %016x was removed but is still cached", id)
		}
	}
	s.fcache.mu.Unlock()
	for g, body := range kept {
		if got := readAll(t, s, g); !bytes.Equal(got, body) {
			t.Fatalf("message %s changed by compaction", g)
		}
	}
}

// Compaction recycles emptied sources as the files of later outputs, but
// never one that a reader holds: each reader opened before the run reads
// its message intact afterwards, and no new reader opens a retired one.
func TestCompactionRecyclesOnlyIdleSources(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{ContainerSize: 128 << 10})
	kept := fillHalfDeleted(t, s, 1200, 4000) // about 36 containers, 18 groups
	held := make(map[uint64]*MessageReader)
	want := make(map[uint64][]byte)
	for g, body := range kept {
		b := s.blobOf(t, g)
		if b.Container > 6 || held[b.Container] != nil {
			continue
		}
		r, err := s.OpenMessage(g)
		if err != nil {
			t.Fatal(err)
		}
		held[b.Container], want[b.Container] = r, body
	}
	if len(held) < 4 {
		t.Fatalf("readers hold %d of the first containers, want at least 4", len(held))
	}
	before := s.recycled.Load()
	if _, err := s.Compact(ctx, CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := s.recycled.Load() - before; n == 0 {
		t.Fatal("no source was recycled as an output")
	}
	for id, r := range held {
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, want[id]) {
			t.Errorf("a reader held on container %016x read %d bytes, %v; want its message", id, len(got), err)
		}
		r.Close()
	}
	for g, body := range kept {
		if got := readAll(t, s, g); !bytes.Equal(got, body) {
			t.Fatalf("message %s changed by compaction", g)
		}
	}
	res, err := s.Check(ctx, CheckOptions{})
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("check after a recycling compaction: %v, %v", err, res.Problems)
	}
	// A recycled file must end where its new records do: the old source's
	// records after them would come back in a --rebuild-index.
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketContainers).ForEach(func(k, v []byte) error {
			cv, err := decodeContainer(v)
			if err != nil {
				return err
			}
			path, _ := s.containerPath(getU64(k))
			if st, err := os.Stat(path); err != nil || st.Size() != cv.Size {
				t.Errorf("container %s: %v, size %d; the index says %d", path, err, st.Size(), cv.Size)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A recycled source never shows its old records, whenever the scan comes:
// after hideRecords, after its new header, and after every flush of new
// records, until finishGroup cuts it to length.
func TestRecycledOutputHidesOldRecords(t *testing.T) {
	s := openTest(t, Options{ContainerSize: 128 << 10})
	appendInbox(t, s, 0, 60, 4000) // about two sealed containers
	s.filesMu.Lock()
	var ids []uint64
	for id := range s.files {
		ids = append(ids, id)
	}
	s.filesMu.Unlock()
	slices.Sort(ids)
	src, _ := s.containerPath(ids[0])
	from, _ := s.containerPath(ids[1])
	records := func(path string) (n int) {
		t.Helper()
		_, err := scanContainer(path, -1, nil, true, func(*Record) error { n++; return nil }, func(p ScanProblem) {
			t.Errorf("scan of %s: %v", path, p)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if records(src) == 0 {
		t.Fatal("the source holds no records to hide")
	}
	if err := hideRecords(src); err != nil {
		t.Fatal(err)
	}
	if n := records(src); n != 0 {
		t.Fatalf("%d records visible after hideRecords", n)
	}
	out, err := s.newCompactOutput(1<<40, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer out.f.Close()
	if n := records(src); n != 0 {
		t.Fatalf("%d records visible after the new header", n)
	}
	want := 0
	_, err = scanContainer(from, -1, nil, true, func(r *Record) error {
		if _, err := out.add(r); err != nil {
			return err
		}
		if want++; want%5 == 0 {
			if err := out.flush(); err != nil {
				return err
			}
			if n := records(src); n != want {
				t.Fatalf("%d records visible after %d were copied", n, want)
			}
		}
		return nil
	}, func(p ScanProblem) { t.Fatal(p) })
	if err != nil {
		t.Fatal(err)
	}
	if want < 10 {
		t.Fatalf("copied only %d records", want)
	}
}

// Readers that look messages up while compactions move them never fail:
// a container gone between the index look-up and the open means the index
// already points at the message's new place.
func TestReadersDuringCompaction(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{ContainerSize: 64 << 10})
	kept := fillHalfDeleted(t, s, 600, 3000)
	guids := make([]GUID, 0, len(kept))
	for g := range kept {
		guids = append(guids, g)
	}
	stop := make(chan struct{})
	errs := make(chan error, 4)
	var reads atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				g := guids[i%len(guids)]
				r, err := s.OpenMessage(g)
				if err == nil {
					var got []byte
					got, err = io.ReadAll(r)
					r.Close()
					if err == nil && !bytes.Equal(got, kept[g]) {
						err = fmt.Errorf("message %s read back wrong", g)
					}
				}
				if err != nil {
					errs <- err
					return
				}
				reads.Add(1)
			}
		})
	}
	for round := range 6 {
		if round > 0 {
			fillHalfDeleted(t, s, 100, 3000) // new garbage for the next pass
		}
		if _, err := s.Compact(ctx, CompactOptions{Threshold: 0.1}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a reader failed during compaction: %v", err)
	}
	if reads.Load() == 0 {
		t.Fatal("the readers read nothing")
	}
	t.Logf("%d reads during 6 compaction passes", reads.Load())
}
