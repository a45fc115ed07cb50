package store

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Problem is one inconsistency found by Check.
type Problem struct {
	Kind     string `json:"kind"`
	Path     string `json:"path,omitempty"`
	Offset   int64  `json:"offset,omitempty"`
	Message  string `json:"message"`
	Repaired bool   `json:"repaired,omitempty"`
}

func (p Problem) String() string {
	where := ""
	if p.Path != "" {
		where = fmt.Sprintf("%s at offset %d: ", p.Path, p.Offset)
	}
	fixed := ""
	if p.Repaired {
		fixed = " (repaired)"
	}
	return fmt.Sprintf("%s: %s%s%s", p.Kind, where, p.Message, fixed)
}

// CheckOptions controls Check.
type CheckOptions struct {
	// Repair fixes what can be fixed: dangling references are dropped,
	// counters recomputed, orphans moved to RecoveryMailbox.
	Repair bool
	// Progress, if set, is called with container bytes read and in all.
	Progress func(done, total int64)
}

// CheckResult summarises a check.
type CheckResult struct {
	Containers int           `json:"containers"`
	Records    int64         `json:"records"`
	Bytes      int64         `json:"bytes"`
	Messages   int64         `json:"messages"`
	Mailboxes  int           `json:"mailboxes"`
	Problems   []Problem     `json:"problems"`
	Duration   time.Duration `json:"duration_ns"`
}

// RecoveryMailbox receives orphaned messages found by a repair.
const RecoveryMailbox = "Recovered"

// recLoc is where a record was found by a scan.
type recLoc struct {
	container uint64
	offset    int64
	metaLen   uint32
	bodyLen   uint32
}

func (r recLoc) size() int64 { return recordHeaderSize + int64(r.metaLen) + int64(r.bodyLen) }

// storeScan is what a scan of every container found.
type storeScan struct {
	// byContainer holds each container's message records in offset
	// order; ids lists the containers in id order.
	byContainer map[uint64][]scannedRecord
	ids         []uint64
	// tombs holds each container's tombstones; tombstoned is built from
	// them when an orphan candidate needs it. Compaction keeps tombstones
	// while the record they cover exists, so a store can hold
	// tens of thousands: a map of them, filled as the scan goes, cost a
	// check a tenth of its page faults in rehashing.
	tombs      [][]GUID
	tombstoned map[GUID]bool
	ends       map[uint64]int64 // container id -> end of its last valid record
	problems   []Problem
	count      int64
	bytes      int64
	// byGUID is built only when a verification needs records by GUID: a
	// clean check matches blob entries by location.
	byGUID map[GUID]recLoc
}

// records returns the message records by GUID; of two copies, the one in
// the lower container id wins.
func (sc *storeScan) records() map[GUID]recLoc {
	if sc.byGUID == nil {
		sc.byGUID = make(map[GUID]recLoc, sc.messageCount())
		for _, id := range sc.ids {
			for _, r := range sc.byContainer[id] {
				if _, dup := sc.byGUID[r.guid]; !dup {
					sc.byGUID[r.guid] = r.loc
				}
			}
		}
	}
	return sc.byGUID
}

// isTombstoned reports whether a tombstone of g was found.
func (sc *storeScan) isTombstoned(g GUID) bool {
	if sc.tombstoned == nil {
		n := 0
		for _, ts := range sc.tombs {
			n += len(ts)
		}
		sc.tombstoned = make(map[GUID]bool, n)
		for _, ts := range sc.tombs {
			for _, t := range ts {
				sc.tombstoned[t] = true
			}
		}
	}
	return sc.tombstoned[g]
}

// messageCount is the number of message records found.
func (sc *storeScan) messageCount() int {
	n := 0
	for _, recs := range sc.byContainer {
		n += len(recs)
	}
	return n
}

// holds reports whether the scan found message g intact where blob entry
// b says it is.
func (sc *storeScan) holds(g GUID, b blobRef) bool {
	c := joinCursor{recs: sc.byContainer[b.Container]}
	_, ok := c.find(g, b)
	return ok
}

// scanAll reads every container, up to its committed length for those the
// index knows (limits), verifying each record. Containers are read by one
// worker per core (the checksums are CPU work) and merged in id order, so
// the result does not depend on timing.
// records is how many message records to expect, to size the maps.
func scanAll(ctx context.Context, files map[uint64]string, limits map[uint64]int64, records int, progress func(done, total int64)) (*storeScan, error) {
	sc := &storeScan{byContainer: make(map[uint64][]scannedRecord, len(files)), ends: make(map[uint64]int64)}
	ids, sizes, total := containerSizes(files)
	results := make([]*containerScan, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var done int64
	for range max(1, runtime.NumCPU()) {
		wg.Go(func() {
			var buf []byte
			for i := range next {
				id := ids[i]
				limit, known := limits[id]
				if !known {
					limit = -1
				}
				results[i] = scanOne(id, files[id], limit, known, records/max(1, len(ids)), &buf)
				mu.Lock()
				done += sizes[id]
				if progress != nil {
					progress(done, total)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for i := range ids {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, r := range results {
		sc.merge(r)
	}
	return sc, nil
}

// containerScan is what one container holds.
type containerScan struct {
	id         uint64
	end        int64
	ok         bool // readable; end is meaningful
	records    []scannedRecord
	problems   []Problem
	count      int64
	bytes      int64
	tombstones []GUID
}

type scannedRecord struct {
	guid GUID
	loc  recLoc
}

// expect is how many message records the container likely holds.
func scanOne(id uint64, path string, limit int64, known bool, expect int, buf *[]byte) *containerScan {
	cs := &containerScan{id: id, records: make([]scannedRecord, 0, expect+expect/4+16)}
	end, err := scanContainer(path, limit, buf, true, func(r *Record) error {
		cs.count++
		cs.bytes += r.size()
		switch r.Kind {
		case KindMessage:
			cs.records = append(cs.records, scannedRecord{r.GUID, recLoc{container: id, offset: r.Offset, metaLen: uint32(len(r.Meta)), bodyLen: uint32(len(r.Body))}})
		case KindTombstone:
			cs.tombstones = append(cs.tombstones, r.GUID)
		}
		return nil
	}, func(p ScanProblem) {
		cs.problems = append(cs.problems, Problem{Kind: "corrupt", Path: p.Path, Offset: p.Offset, Message: p.Err.Error()})
	})
	if err != nil {
		cs.problems = append(cs.problems, Problem{Kind: "unreadable", Path: path, Message: err.Error()})
		return cs
	}
	if known && end < limit {
		cs.problems = append(cs.problems, Problem{Kind: "truncated", Path: path, Offset: end,
			Message: fmt.Sprintf("valid records end at %d, index says %d", end, limit)})
	}
	cs.end, cs.ok = end, true
	return cs
}

func (sc *storeScan) merge(cs *containerScan) {
	sc.count += cs.count
	sc.bytes += cs.bytes
	sc.problems = append(sc.problems, cs.problems...)
	sc.ids = append(sc.ids, cs.id)
	sc.byContainer[cs.id] = cs.records
	if len(cs.tombstones) > 0 {
		sc.tombs = append(sc.tombs, cs.tombstones)
	}
	if cs.ok {
		sc.ends[cs.id] = cs.end
	}
}

// Check verifies the store: every record's checksum, every index reference
// against its record, reference counts, UID invariants, mailbox and
// account counters, per-container statistics and orphans.
func (s *Store) Check(ctx context.Context, o CheckOptions) (CheckResult, error) {
	start := time.Now()
	s.settle()
	s.compactMu.Lock()
	defer s.compactMu.Unlock()
	var res CheckResult
	s.createMu.RLock()
	limits := make(map[uint64]int64)
	var live int64
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketContainers).ForEach(func(k, v []byte) error {
			cv, err := decodeContainer(v)
			if err != nil {
				res.Problems = append(res.Problems, Problem{Kind: "index", Message: fmt.Sprintf("container %016x: %v", getU64(k), err)})
				return nil
			}
			limits[getU64(k)] = cv.Size
			live += cv.LiveCount
			return nil
		})
	}); err != nil {
		s.createMu.RUnlock()
		return res, err
	}
	s.filesMu.Lock()
	files := make(map[uint64]string, len(s.files))
	for id, p := range s.files {
		files[id] = p
	}
	s.filesMu.Unlock()
	s.createMu.RUnlock()
	_, foreign, err := s.layout.scan()
	if err != nil {
		return res, err
	}
	for _, f := range foreign {
		res.Problems = append(res.Problems, Problem{Kind: "foreign", Path: f.Path, Message: "not a container file name; left alone"})
	}
	exists := func(id uint64) bool {
		_, ok := s.containerPath(id)
		return ok
	}
	// The index is verified while the containers are read; in the rare
	// case the two disagree it is verified again against the scan.
	var spec *indexFix
	specDone := make(chan error, 1)
	go func() {
		specDone <- s.db.View(func(tx *bolt.Tx) error {
			var err error
			spec, err = verifyIndex(tx, nil, int(live), files, limits, exists)
			return err
		})
	}()
	sc, err := scanAll(ctx, files, limits, int(live), o.Progress)
	specErr := <-specDone
	if err != nil {
		return res, err
	}
	res.Containers = len(files)
	res.Records = sc.count
	res.Bytes = sc.bytes
	res.Problems = append(res.Problems, sc.problems...)

	fix := spec
	if specErr != nil || !spec.joinScan(sc, files, limits) {
		err = s.db.View(func(tx *bolt.Tx) error {
			var err error
			fix, err = verifyIndex(tx, sc, sc.messageCount(), files, limits, exists)
			return err
		})
		if err != nil {
			return res, err
		}
	}
	res.Problems = append(res.Problems, fix.problems...)
	res.Messages = fix.messages
	res.Mailboxes = fix.mailboxes
	if o.Repair && len(res.Problems) > 0 {
		if err := s.repair(ctx, sc, fix, files); err != nil {
			return res, fmt.Errorf("store: repair: %w", err)
		}
		s.cache.reset()
		for i := range res.Problems {
			res.Problems[i].Repaired = res.Problems[i].Kind != "foreign" && res.Problems[i].Kind != "unreadable"
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}
