package store

import (
	"context"
	"fmt"
	"os"
	"sort"
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
	records    map[GUID]recLoc // message records; the first found wins
	tombstones map[GUID]bool
	ends       map[uint64]int64 // container id -> end of its last valid record
	problems   []Problem
	count      int64
	bytes      int64
}

// scanAll reads every container, up to its committed length for those the
// index knows (limits), verifying each record.
func scanAll(ctx context.Context, files map[uint64]string, limits map[uint64]int64, progress func(done, total int64)) (*storeScan, error) {
	sc := &storeScan{records: make(map[GUID]recLoc), tombstones: make(map[GUID]bool), ends: make(map[uint64]int64)}
	ids := make([]uint64, 0, len(files))
	var total, done int64
	for id, p := range files {
		ids = append(ids, id)
		if st, err := os.Stat(p); err == nil {
			total += st.Size()
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path := files[id]
		limit, known := limits[id]
		if !known {
			limit = -1
		}
		end, err := scanContainer(path, limit, func(r *Record) error {
			sc.count++
			sc.bytes += r.size()
			switch r.Kind {
			case KindMessage:
				if _, dup := sc.records[r.GUID]; !dup {
					sc.records[r.GUID] = recLoc{container: id, offset: r.Offset, metaLen: uint32(len(r.Meta)), bodyLen: uint32(len(r.Body))}
				}
			case KindTombstone:
				sc.tombstones[r.GUID] = true
			}
			return nil
		}, func(p ScanProblem) {
			sc.problems = append(sc.problems, Problem{Kind: "corrupt", Path: p.Path, Offset: p.Offset, Message: p.Err.Error()})
		})
		if err != nil {
			sc.problems = append(sc.problems, Problem{Kind: "unreadable", Path: path, Message: err.Error()})
			continue
		}
		if known && end < limit {
			sc.problems = append(sc.problems, Problem{Kind: "truncated", Path: path, Offset: end,
				Message: fmt.Sprintf("valid records end at %d, index says %d", end, limit)})
		}
		sc.ends[id] = end
		if st, err := os.Stat(path); err == nil {
			done += st.Size()
		}
		if progress != nil {
			progress(done, total)
		}
	}
	return sc, nil
}

// Check verifies the store: every record's checksum, every index reference
// against its record, reference counts, UID invariants, mailbox and
// account counters, per-container statistics and orphans.
func (s *Store) Check(ctx context.Context, o CheckOptions) (CheckResult, error) {
	start := time.Now()
	s.compactMu.Lock()
	defer s.compactMu.Unlock()
	var res CheckResult
	s.createMu.RLock()
	limits := make(map[uint64]int64)
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketContainers).ForEach(func(k, v []byte) error {
			cv, err := decodeContainer(v)
			if err != nil {
				res.Problems = append(res.Problems, Problem{Kind: "index", Message: fmt.Sprintf("container %016x: %v", getU64(k), err)})
				return nil
			}
			limits[getU64(k)] = cv.Size
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
	sc, err := scanAll(ctx, files, limits, o.Progress)
	if err != nil {
		return res, err
	}
	res.Containers = len(files)
	res.Records = sc.count
	res.Bytes = sc.bytes
	res.Problems = append(res.Problems, sc.problems...)

	var fix *indexFix
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		fix, err = verifyIndex(tx, sc, files, limits, func(id uint64) bool {
			_, ok := s.containerPath(id)
			return ok
		})
		return err
	})
	if err != nil {
		return res, err
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
