package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axmail/axmail/internal/durable"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// Options configures a Store. The zero value of every field but DataDir is
// a usable default.
type Options struct {
	// DataDir holds the index and, when Paths is empty, the containers.
	DataDir string
	// Paths are the locations that hold containers; empty means DataDir.
	// New containers go to the location with the most free space.
	Paths []string
	// Dirs is the number of sub-directories per location (1..4096); 0 means 16.
	Dirs int
	// ContainerSize seals a container once it reaches this size; 0 means 64 MiB.
	ContainerSize int64
	// MaxBatch caps the bytes of one group commit; 0 means 8 MiB.
	MaxBatch int64
	// CacheMessages caps the messages held by the hot-mailbox cache; 0 means
	// 4,000,000, negative disables the cache.
	CacheMessages int
	// Summarize computes the summary cached with each message (ENVELOPE and
	// BODYSTRUCTURE); nil caches none.
	Summarize func(io.Reader) ([]byte, error)
	// Logger receives operational events; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// hooks lets tests inject faults into container I/O.
	hooks *faultHooks
}

// faultHooks are called before the matching container operation; a
// non-nil error replaces the operation's result.
type faultHooks struct {
	write       func() error
	sync        func() error
	indexCommit func() error
	indexPut    func() error // the committer's deferred message entries
	// recycled is told of each compaction source recycled as an output,
	// when it is: the crash tests kill a compaction right after one.
	recycled func()
}

func (o *Options) withDefaults() (Options, error) {
	r := *o
	if r.DataDir == "" {
		return r, errors.New("store: no data dir")
	}
	if len(r.Paths) == 0 {
		r.Paths = []string{r.DataDir}
	}
	if r.Dirs == 0 {
		r.Dirs = 16
	}
	if r.Dirs < 1 || r.Dirs > 4096 {
		return r, fmt.Errorf("store: dirs %d out of range 1..4096", r.Dirs)
	}
	if r.ContainerSize == 0 {
		r.ContainerSize = 64 << 20
	}
	if r.ContainerSize < 1<<16 {
		return r, fmt.Errorf("store: container size %d below 64 KiB", r.ContainerSize)
	}
	if r.MaxBatch == 0 {
		r.MaxBatch = 8 << 20
	}
	if r.CacheMessages == 0 {
		r.CacheMessages = 4_000_000
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r, nil
}

// IndexFile is the index's file name in the data dir.
const IndexFile = "index.db"

// ErrIndexMissing is returned by Open when containers exist but the index
// does not: opening would hide every message.
var ErrIndexMissing = errors.New("store: index is missing but containers exist; run axcompact check --rebuild-index")

// Store is an open message store.
type Store struct {
	opts   Options
	db     *bolt.DB
	layout layout
	log    *slog.Logger

	filesMu sync.Mutex
	files   map[uint64]string // container id -> path
	// fcache keeps container files open for readers; a container leaving
	// files must be dropped from it (forgetContainer).
	fcache *fileCache
	// createMu makes a new active container appear in files and in the
	// index at once, for Check's snapshot of both.
	createMu sync.RWMutex

	appends   chan *appendReq
	sealReq   chan chan error
	settleReq chan chan error
	// pending is set while acknowledged appends wait for their index
	// transaction (settle).
	pending atomic.Bool
	// writers counts index writers other than the committer waiting for
	// the write lock (indexWrite): while there are any, the committer
	// commits its transaction after each group instead of holding it.
	writers   atomic.Int32
	stop      chan struct{}
	committed chan struct{} // closed when the committer exits
	closeOnce sync.Once

	tombMu     sync.Mutex
	tombstones []GUID // written by the committer with its next batch

	lastGUIDTime atomic.Uint64 // newGUID's clock, strictly increasing
	// delivering counts Deliver calls under way, for the committer's
	// decision to wait for them (collect).
	delivering atomic.Int64
	// batches and batched count group commits and the deliveries in them;
	// indexCommits the committer's index transactions; recycled the
	// compaction sources reused as outputs.
	batches, batched, indexCommits, recycled atomic.Int64

	cache  *hotCache
	notify *notifier

	// compactMu serialises compaction and check runs.
	compactMu sync.Mutex
}

// Open opens or creates the store in opts.DataDir. The caller holds the
// data-dir lock (Lock).
func Open(opts Options) (*Store, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := durable.MakeDirs(o.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := removeStale(filepath.Join(o.DataDir, indexCompactTemp)); err != nil {
		return nil, err
	}
	s := &Store{
		opts:      o,
		layout:    layout{paths: o.Paths, dirs: o.Dirs},
		log:       o.Logger,
		appends:   make(chan *appendReq, 1024),
		sealReq:   make(chan chan error),
		settleReq: make(chan chan error),
		stop:      make(chan struct{}),
		committed: make(chan struct{}),
		cache:     newHotCache(o.CacheMessages),
		notify:    newNotifier(),
		fcache:    newFileCache(),
	}
	files, _, err := s.layout.scan()
	if err != nil {
		return nil, err
	}
	s.files = files
	indexPath := filepath.Join(o.DataDir, IndexFile)
	_, statErr := os.Stat(indexPath)
	if errors.Is(statErr, os.ErrNotExist) && len(files) > 0 {
		return nil, ErrIndexMissing
	}
	s.db, err = openIndex(indexPath)
	if err != nil {
		return nil, err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// A new index: its directory entry must be as durable as its pages.
		if err := durable.SyncDir(o.DataDir); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("store: open: %w", err)
		}
	}
	if err := s.recover(); err != nil {
		s.db.Close()
		return nil, err
	}
	if highWater, free := indexPages(s.db); free >= bloatedIndexFree && free*2 >= highWater {
		s.log.Warn("index.db is mostly free pages; with axd stopped, axcompact index shrinks it",
			"path", indexPath, "used_bytes", highWater-free, "free_bytes", free)
	}
	w := &committer{s: s}
	go w.run()
	return s, nil
}

func openIndex(path string) (*bolt.DB, error) {
	prefetch(path)
	db, err := bolt.Open(path, 0o640, &bolt.Options{
		Timeout:        2 * time.Second,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		// Address space only: a remap as the index grows makes every
		// reader wait and faults every page in again, which stalled
		// appends for 10-25 ms here at each doubling.
		InitialMmapSize: 1 << 30,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open index %s: %w", path, err)
	}
	db.MaxBatchDelay = 2 * time.Millisecond
	// A transaction that writes costs two fsyncs: only a new index (or
	// one missing a bucket) needs one.
	ready := false
	_ = db.View(func(tx *bolt.Tx) error {
		ready = true
		for _, b := range allBuckets {
			ready = ready && tx.Bucket(b) != nil
		}
		if ready {
			v := tx.Bucket(bucketMeta).Get(keyFormat)
			ready = len(v) == 8 && getU64(v) == indexFormat
		}
		return nil
	})
	if ready {
		return db, nil
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyFormat); v == nil {
			return meta.Put(keyFormat, u64key(indexFormat))
		} else if len(v) != 8 || getU64(v) != indexFormat {
			return fmt.Errorf("unknown index format")
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open index %s: %w", path, err)
	}
	return db, nil
}

// recover finishes or undoes an interrupted compaction, removes the empty
// containers a crash left, indexes the acknowledged groups the active
// container holds past its committed length, then cuts every container
// back to its committed length and seals all but the active one.
func (s *Store) recover() error {
	if err := s.finishCompaction(); err != nil {
		return err
	}
	if err := s.removeUnborn(); err != nil {
		return err
	}
	if err := s.replayActive(); err != nil {
		return err
	}
	// Tombstones that the last process committed to write but never wrote
	// go out with the next batch.
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTombQueue).ForEach(func(k, _ []byte) error {
			var g GUID
			copy(g[:], k)
			s.tombstones = append(s.tombstones, g)
			return nil
		})
	}); err != nil {
		return fmt.Errorf("store: recover: %w", err)
	}
	// Cut every tail past its committed length; seal every container but
	// the active one (a write transaction only if one is not yet sealed).
	var unsealed [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		active := getU64(tx.Bucket(bucketMeta).Get(keyActive))
		return tx.Bucket(bucketContainers).ForEach(func(k, v []byte) error {
			id := getU64(k)
			cv, err := decodeContainer(v)
			if err != nil {
				return fmt.Errorf("store: container %016x: %w", id, err)
			}
			path, ok := s.files[id]
			if !ok {
				s.log.Error("container file missing", "container", fmt.Sprintf("%016x", id))
				return nil
			}
			st, err := os.Stat(path)
			if err != nil {
				return fmt.Errorf("store: recover: %w", err)
			}
			switch {
			case st.Size() > cv.Size:
				s.log.Warn("cutting uncommitted tail", "path", path, "committed", cv.Size, "size", st.Size())
				if err := cutFile(path, cv.Size); err != nil {
					return fmt.Errorf("store: recover: %w", err)
				}
			case st.Size() < cv.Size:
				s.log.Error("container shorter than committed", "path", path, "committed", cv.Size, "size", st.Size())
			}
			if id != active && !cv.Sealed {
				unsealed = append(unsealed, bytes.Clone(k))
			}
			return nil
		})
	})
	if err != nil || len(unsealed) == 0 {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		cb := tx.Bucket(bucketContainers)
		for _, k := range unsealed {
			cv, err := decodeContainer(cb.Get(k))
			if err != nil {
				return err
			}
			cv.Sealed = true
			if err := cb.Put(k, cv.encode()); err != nil {
				return err
			}
		}
		return nil
	})
}

// cutFile truncates a file and syncs the new length.
func cutFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}

func getU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// Close stops the committer, failing appends still queued, and closes the
// index.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.committed
		s.notify.closeAll()
		s.fcache.closeAll()
		err = s.db.Close()
	})
	return err
}

// forgetContainer removes a deleted container from the known files and
// the readers' cache.
func (s *Store) forgetContainer(id uint64) {
	s.unlistContainer(id)
	s.fcache.drop(id)
}

// retireContainer forgets container id before its file is overwritten;
// idle says that no reader holds the file, so that it may be.
func (s *Store) retireContainer(id uint64) (idle bool) {
	s.unlistContainer(id)
	return s.fcache.retire(id)
}

// unlistContainer takes container id out of the store's file list.
func (s *Store) unlistContainer(id uint64) {
	s.filesMu.Lock()
	delete(s.files, id)
	s.filesMu.Unlock()
}

// containerPath returns the path of a known container.
func (s *Store) containerPath(id uint64) (string, bool) {
	s.filesMu.Lock()
	defer s.filesMu.Unlock()
	p, ok := s.files[id]
	return p, ok
}

// newContainerPath picks the location with the most free space.
func (s *Store) newContainerPath(id uint64) string {
	best, bestFree := s.layout.paths[0], uint64(0)
	for _, p := range s.layout.paths {
		if free, err := freeBytes(p); err == nil && free > bestFree {
			best, bestFree = p, free
		}
	}
	return s.layout.file(best, id)
}

// allocContainerID reserves a container id in the index.
func (s *Store) allocContainerID(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	id := getU64(meta.Get(keyNextContainer))
	if id == 0 {
		id = 1
	}
	s.filesMu.Lock()
	for {
		if _, used := s.files[id]; !used {
			break
		}
		id++
	}
	s.filesMu.Unlock()
	return id, meta.Put(keyNextContainer, u64key(id+1))
}

// ctxErr is a non-blocking check of ctx.
func ctxErr(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	default:
		return nil
	}
}

// removeUnborn deletes the container files that a crash left between
// allocating their id and registering them (createActive; a compaction
// output before its intent): unknown to the index, with an id the index
// has handed out, and no longer than a header, so that they hold no record
// and nothing can be lost. Any other unknown file is left for check.
func (s *Store) removeUnborn() error {
	known := make(map[uint64]bool)
	var next uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		next = getU64(tx.Bucket(bucketMeta).Get(keyNextContainer))
		return tx.Bucket(bucketContainers).ForEach(func(k, _ []byte) error {
			known[getU64(k)] = true
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("store: recover: %w", err)
	}
	s.filesMu.Lock()
	defer s.filesMu.Unlock()
	for id, path := range s.files {
		if known[id] || id >= next {
			continue
		}
		if st, err := os.Stat(path); err != nil || st.Size() > containerHeaderSize {
			continue
		}
		s.log.Info("removing empty container left by a crash", "path", path)
		if err := removeFile(path); err != nil {
			return fmt.Errorf("store: recover: %w", err)
		}
		delete(s.files, id)
		s.fcache.drop(id)
	}
	return nil
}

// CommitStats returns the number of group commits and of deliveries they
// carried since Open: their ratio is the mean batch size.
func (s *Store) CommitStats() (batches, deliveries int64) {
	return s.batches.Load(), s.batched.Load()
}

// prefetch reads a file once, sequentially, so that what follows finds it
// in the page cache: bbolt's open walks every page of the index in random
// order (it rebuilds the free list, which is not stored), and on a cold
// cache that costs seconds per 100 MB where a sequential read costs a
// fraction of one.
func prefetch(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
	buf := make([]byte, 256<<10) // fresh memory costs more than the extra reads
	for {
		if _, err := f.Read(buf); err != nil {
			return
		}
	}
}
