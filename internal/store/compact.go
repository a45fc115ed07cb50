package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// Compaction moves the live records of containers whose garbage is above a
// threshold into new containers, one source container at a time:
//
//  1. intent "copying" (source, output, output start) is committed;
//  2. live records are copied, checksums verified, to the output; fsync;
//  3. one transaction points the blobs at the output, drops the source's
//     dead blobs and its container entry, and sets intent "switched";
//  4. the source file is deleted, then the intent cleared.
//
// finishCompaction, run by Open and by every compaction, completes a step
// 4 that was interrupted or undoes a step 2 (cutting the output back), so
// a kill at any instant loses nothing and leaves nothing behind.

const (
	phaseCopying  = 1
	phaseSwitched = 2
)

type compactionIntent struct {
	Phase       uint8
	Source      uint64
	Output      uint64
	OutputStart int64
}

func (c *compactionIntent) encode() []byte {
	var e encoder
	e.uvarint(uint64(c.Phase))
	e.uvarint(c.Source)
	e.uvarint(c.Output)
	e.uvarint(uint64(c.OutputStart))
	return e.b
}

func decodeIntent(b []byte) (*compactionIntent, error) {
	d := decoder{b: b}
	c := &compactionIntent{Phase: uint8(d.uvarint()), Source: d.uvarint(), Output: d.uvarint(), OutputStart: int64(d.uvarint())}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("store: decode compaction intent: %w", err)
	}
	return c, nil
}

// CompactOptions controls a compaction run.
type CompactOptions struct {
	// Threshold is the fraction of dead bytes above which a container is
	// compacted; 0 means 0.4.
	Threshold float64
	// DryRun only reports what would be done.
	DryRun bool
	// Progress, if set, is called with source bytes done and in all.
	Progress func(done, total int64)
}

// CompactResult summarises a compaction run.
type CompactResult struct {
	Candidates  int           `json:"candidates"`
	Compacted   int           `json:"compacted"`
	Outputs     int           `json:"outputs"`
	LiveBytes   int64         `json:"live_bytes"`
	LiveRecords int64         `json:"live_records"`
	Reclaimed   int64         `json:"reclaimed_bytes"`
	Skipped     []ScanProblem `json:"skipped,omitempty"`
	Duration    time.Duration `json:"duration_ns"`
	DryRun      bool          `json:"dry_run"`
}

type candidate struct {
	id   uint64
	cv   containerValue
	path string
}

// Compact runs one compaction pass. It is safe while the store is in use.
// A source container with a damaged live record is skipped and reported,
// never deleted.
func (s *Store) Compact(ctx context.Context, o CompactOptions) (CompactResult, error) {
	start := time.Now()
	s.compactMu.Lock()
	defer s.compactMu.Unlock()
	if o.Threshold <= 0 {
		o.Threshold = 0.4
	}
	res := CompactResult{DryRun: o.DryRun}
	if err := s.finishCompaction(); err != nil {
		return res, err
	}
	cands, err := s.candidates(o.Threshold)
	if err != nil {
		return res, err
	}
	res.Candidates = len(cands)
	var total, done int64
	for _, c := range cands {
		total += c.cv.Size
	}
	if o.DryRun {
		for _, c := range cands {
			res.LiveBytes += c.cv.Live
			res.LiveRecords += c.cv.LiveCount
			res.Reclaimed += c.cv.Size - c.cv.Live
		}
		res.Duration = time.Since(start)
		return res, nil
	}
	var out *compactOutput
	defer func() {
		if out != nil {
			out.close()
		}
	}()
	for _, c := range cands {
		if err := ctx.Err(); err != nil {
			break
		}
		if out != nil && out.size+c.cv.Live > s.opts.ContainerSize {
			out.close()
			out = nil
		}
		if out == nil {
			out, err = s.newCompactOutput()
			if err != nil {
				return res, err
			}
			res.Outputs++
		}
		n, problem, err := s.compactOne(c, out)
		if err != nil {
			return res, err
		}
		done += c.cv.Size
		if o.Progress != nil {
			o.Progress(done, total)
		}
		if problem != nil {
			res.Skipped = append(res.Skipped, *problem)
			continue
		}
		res.Compacted++
		res.LiveRecords += n
		res.LiveBytes += c.cv.Live
		res.Reclaimed += c.cv.Size - c.cv.Live
	}
	res.Duration = time.Since(start)
	s.log.Info("compaction done", "compacted", res.Compacted, "reclaimed", res.Reclaimed, "skipped", len(res.Skipped))
	return res, nil
}

// candidates lists the containers to compact. The active container
// qualifies like any other: the committer seals it first, and the next
// append starts a new one.
func (s *Store) candidates(threshold float64) ([]candidate, error) {
	out, activeQualifies, err := s.listCandidates(threshold)
	if err != nil || !activeQualifies {
		return out, err
	}
	if err := s.sealActive(); err != nil {
		return nil, err
	}
	out, _, err = s.listCandidates(threshold)
	return out, err
}

// sealActive asks the committer to seal the active container.
func (s *Store) sealActive() error {
	reply := make(chan error, 1)
	select {
	case s.sealReq <- reply:
		return <-reply
	case <-s.stop:
		return ErrClosed
	}
}

func (s *Store) listCandidates(threshold float64) (out []candidate, activeQualifies bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		active := getU64(tx.Bucket(bucketMeta).Get(keyActive))
		return tx.Bucket(bucketContainers).ForEach(func(k, v []byte) error {
			id := getU64(k)
			cv, err := decodeContainer(v)
			if err != nil {
				return err
			}
			used := cv.Size - containerHeaderSize
			if used <= 0 || float64(cv.dead())/float64(used) < threshold {
				return nil
			}
			if id == active && !cv.Sealed {
				activeQualifies = true
				return nil
			}
			path, ok := s.containerPath(id)
			if !ok {
				return nil // reported by check
			}
			out = append(out, candidate{id: id, cv: *cv, path: path})
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, activeQualifies, err
}

// compactOutput is a container being filled by compaction.
type compactOutput struct {
	id      uint64
	path    string
	f       *os.File
	size    int64
	indexed bool // the index has an entry for it
}

// close closes the output and removes it if nothing was ever moved to it.
func (o *compactOutput) close() {
	o.f.Close()
	if !o.indexed {
		_ = removeFile(o.path)
	}
}

func (s *Store) newCompactOutput() (*compactOutput, error) {
	var id uint64
	if err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		id, err = s.allocContainerID(tx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("store: compaction output: %w", err)
	}
	path := s.newContainerPath(id)
	f, err := createContainerFile(path, id, s.opts.Now())
	if err != nil {
		return nil, err
	}
	return &compactOutput{id: id, path: path, f: f, size: containerHeaderSize}, nil
}

// compactOne moves the live records of one container to out. A problem
// means the source was left as it was.
func (s *Store) compactOne(c candidate, out *compactOutput) (int64, *ScanProblem, error) {
	intent := compactionIntent{Phase: phaseCopying, Source: c.id, Output: out.id, OutputStart: out.size}
	if err := s.setIntent(&intent); err != nil {
		return 0, nil, err
	}
	type moved struct {
		guid     GUID
		old, new int64
		size     int64
		kind     uint8
	}
	var copied []moved
	var deadBlobs []GUID
	var problem *ScanProblem
	var liveSeen int64
	buf := make([]byte, 0, 4<<20)
	start := out.size
	pos := start
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if _, err := out.f.WriteAt(buf, pos); err != nil {
			return err
		}
		pos += int64(len(buf))
		buf = buf[:0]
		return nil
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return 0, nil, err
	}
	blobs := tx.Bucket(bucketBlobs)
	_, scanErr := scanContainer(c.path, c.cv.Size, func(r *Record) error {
		v := blobs.Get(r.GUID[:])
		var b *blobValue
		if v != nil {
			var err error
			if b, err = decodeBlob(v); err != nil {
				return err
			}
		}
		keep := false
		switch r.Kind {
		case KindMessage:
			here := b != nil && b.Container == c.id && b.Offset == r.Offset
			keep = here && b.Refs > 0
			if here && !keep {
				deadBlobs = append(deadBlobs, r.GUID)
			}
			if keep {
				liveSeen++
			}
		case KindTombstone:
			// Still needed while the dead record it covers exists elsewhere.
			keep = b != nil && b.Container != c.id
		}
		if !keep {
			return nil
		}
		newOff := pos + int64(len(buf))
		copied = append(copied, moved{guid: r.GUID, old: r.Offset, new: newOff, size: r.size(), kind: r.Kind})
		buf = r.appendTo(buf)
		if len(buf) >= 4<<20 {
			return flush()
		}
		return nil
	}, func(p ScanProblem) {
		if problem == nil {
			problem = &p
		}
	})
	tx.Rollback()
	if scanErr == nil {
		scanErr = flush()
	}
	// Damaged bytes are fine to drop when every live record was found
	// intact; otherwise a live message may be among them: keep the source.
	if scanErr == nil && liveSeen == c.cv.LiveCount {
		if problem != nil {
			s.log.Warn("compaction dropped damaged garbage", "path", problem.Path, "offset", problem.Offset, "err", problem.Err)
		}
		problem = nil
	} else if scanErr == nil && problem == nil {
		problem = &ScanProblem{Path: c.path, Err: fmt.Errorf("found %d live records, index expects %d", liveSeen, c.cv.LiveCount)}
	}
	if scanErr != nil || problem != nil {
		// Leave the source alone; cut the output back.
		if err := out.f.Truncate(start); err != nil {
			return 0, nil, err
		}
		if err := s.setIntent(nil); err != nil {
			return 0, nil, err
		}
		if scanErr != nil {
			return 0, nil, fmt.Errorf("store: compact %s: %w", c.path, scanErr)
		}
		s.log.Error("compaction skipped a damaged container", "path", problem.Path, "offset", problem.Offset, "err", problem.Err)
		return 0, problem, nil
	}
	if pos > start {
		if err := unix.Fdatasync(int(out.f.Fd())); err != nil {
			return 0, nil, fmt.Errorf("store: compact: %w", err)
		}
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		st := s.newTx(tx)
		var ov *containerValue
		if out.indexed || pos > start {
			if out.indexed {
				var err error
				if ov, err = st.container(out.id); err != nil {
					return err
				}
			} else {
				ov = &containerValue{Size: containerHeaderSize, Sealed: true}
				st.containers[out.id] = ov
			}
			ov.Size = pos
		}
		for _, m := range copied {
			if m.kind != KindMessage {
				continue
			}
			b, err := st.blob(m.guid)
			if err != nil {
				continue // gone meanwhile: its copy is dead bytes
			}
			if b.Container != c.id || b.Offset != m.old {
				continue
			}
			b.Container, b.Offset = out.id, m.new
			if b.Refs > 0 {
				ov.Live += m.size
				ov.LiveCount++
			}
		}
		for _, g := range deadBlobs {
			if err := tx.Bucket(bucketBlobs).Delete(g[:]); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketContainers).Delete(u64key(c.id)); err != nil {
			return err
		}
		if err := st.flush(); err != nil {
			return err
		}
		done := compactionIntent{Phase: phaseSwitched, Source: c.id}
		return tx.Bucket(bucketMeta).Put(keyCompaction, done.encode())
	})
	if err != nil {
		return 0, nil, fmt.Errorf("store: compact switch: %w", err)
	}
	if out.indexed || pos > start {
		out.size = pos
		if !out.indexed {
			out.indexed = true
			s.filesMu.Lock()
			s.files[out.id] = out.path
			s.filesMu.Unlock()
		}
	}
	if err := s.finishCompaction(); err != nil {
		return 0, nil, err
	}
	return int64(len(copied)), nil, nil
}

func (s *Store) setIntent(c *compactionIntent) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if c == nil {
			return meta.Delete(keyCompaction)
		}
		return meta.Put(keyCompaction, c.encode())
	})
}

// finishCompaction completes or undoes what an interrupted compaction
// left, as its intent says.
func (s *Store) finishCompaction() error {
	var intent *compactionIntent
	var output *containerValue
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyCompaction)
		if v == nil {
			return nil
		}
		var err error
		if intent, err = decodeIntent(v); err != nil {
			return err
		}
		if ov := tx.Bucket(bucketContainers).Get(u64key(intent.Output)); ov != nil && intent.Output != 0 {
			output, err = decodeContainer(ov)
		}
		return err
	})
	if err != nil || intent == nil {
		return err
	}
	switch intent.Phase {
	case phaseCopying:
		if intent.Output != 0 {
			if path, ok := s.outputPath(intent.Output); ok {
				if output != nil {
					err = cutFile(path, output.Size)
				} else {
					err = removeFile(path)
				}
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("store: undo compaction: %w", err)
				}
				if output == nil {
					s.filesMu.Lock()
					delete(s.files, intent.Output)
					s.filesMu.Unlock()
				}
			}
		}
	case phaseSwitched:
		if path, ok := s.containerPath(intent.Source); ok {
			if err := removeFile(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("store: finish compaction: %w", err)
			}
			s.filesMu.Lock()
			delete(s.files, intent.Source)
			s.filesMu.Unlock()
			s.log.Info("container removed", "path", path)
		}
	default:
		return fmt.Errorf("store: unknown compaction phase %d", intent.Phase)
	}
	return s.setIntent(nil)
}

// outputPath finds a compaction output that the index may not know yet.
func (s *Store) outputPath(id uint64) (string, bool) {
	if p, ok := s.containerPath(id); ok {
		return p, true
	}
	for _, root := range s.layout.paths {
		p := s.layout.file(root, id)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	return "", false
}

// removeFile deletes a file and syncs its directory.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
