package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/axmail/axmail/internal/durable"
)

// bbolt never gives pages back to the file system: after a large expunge
// (one transaction rewrites most of the tree while the old pages are still
// in use) index.db stays several times the size of what it holds, and
// every open reads and walks all of it. CompactIndex copies the live
// entries into a new file, pages filled, and puts it in place.

// indexCompactTemp is the new index while it is written; a kill leaves it
// behind, and the next CompactIndex or Open removes it.
const indexCompactTemp = IndexFile + ".compact"

// minIndexFree is the least free space worth a rewrite.
const minIndexFree = 1 << 20

// bloatedIndexFree is the free space from which Open suggests a rewrite
// (when it is also half the pages or more).
var bloatedIndexFree int64 = 64 << 20 // a variable for tests

// indexCompactTxSize is the bytes of entries per transaction of the copy.
// bbolt's cost per entry grows with the entries a transaction holds: a
// 19 MB index took 300 ms to copy in one transaction, 100 ms in 64 KiB
// ones. The transactions are not synced.
const indexCompactTxSize = 64 << 10

// IndexSpace says how much of index.db is free, and what CompactIndex did.
type IndexSpace struct {
	Bytes      int64         `json:"bytes"`      // the file's size
	UsedBytes  int64         `json:"used_bytes"` // pages in use
	FreeBytes  int64         `json:"free_bytes"` // pages free for reuse
	Rewritten  bool          `json:"rewritten"`
	BytesAfter int64         `json:"bytes_after"`
	Duration   time.Duration `json:"duration_ns"`
}

// CompactIndex rewrites index.db without its free pages when they are at
// least threshold (a fraction) of the pages and at least 1 MiB; with dryRun
// it only measures. The new file is written and synced beside the old one
// and renamed over it, so a kill at any instant leaves one whole index.
// The store must not be open; the caller holds the data-dir lock.
func CompactIndex(opts Options, threshold float64, dryRun bool) (IndexSpace, error) {
	start := time.Now()
	var sp IndexSpace
	o, err := opts.withDefaults()
	if err != nil {
		return sp, err
	}
	path := filepath.Join(o.DataDir, IndexFile)
	tmp := filepath.Join(o.DataDir, indexCompactTemp)
	if err := removeStale(tmp); err != nil {
		return sp, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return sp, fmt.Errorf("store: compact index: %w", err)
	}
	src, err := openIndex(path)
	if err != nil {
		return sp, err
	}
	defer src.Close()
	sp.Bytes = st.Size()
	highWater, free := indexPages(src)
	sp.UsedBytes, sp.FreeBytes = highWater-free, free
	sp.BytesAfter = sp.Bytes
	if dryRun || free < minIndexFree || float64(free) < threshold*float64(highWater) {
		sp.Duration = time.Since(start)
		return sp, nil
	}
	if err := copyIndex(src, tmp); err != nil {
		os.Remove(tmp)
		return sp, fmt.Errorf("store: compact index: %w", err)
	}
	if err := src.Close(); err != nil {
		os.Remove(tmp)
		return sp, fmt.Errorf("store: compact index: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return sp, fmt.Errorf("store: compact index: %w", err)
	}
	if err := durable.SyncDir(o.DataDir); err != nil {
		return sp, fmt.Errorf("store: compact index: %w", err)
	}
	if st, err := os.Stat(path); err == nil {
		sp.BytesAfter = st.Size()
	}
	sp.Rewritten = true
	sp.Duration = time.Since(start)
	return sp, nil
}

// indexPages returns the bytes below db's high-water mark and those of
// them in free or pending pages. The file goes on past the mark: bbolt
// grows it 16 MiB at a time, and that tail is a hole, not free space.
func indexPages(db *bolt.DB) (highWater, free int64) {
	_ = db.View(func(tx *bolt.Tx) error {
		highWater = tx.Size()
		return nil
	})
	st := db.Stats()
	return highWater, int64(st.FreePageN+st.PendingPageN) * int64(db.Info().PageSize)
}

// copyIndex writes every bucket and entry of src to a new bbolt file at
// tmp and syncs it once, at the end: until the rename nothing depends on it.
func copyIndex(src *bolt.DB, tmp string) error {
	dst, err := bolt.Open(tmp, 0o640, &bolt.Options{
		NoSync:         true,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return err
	}
	err = bolt.Compact(dst, src, indexCompactTxSize)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}
