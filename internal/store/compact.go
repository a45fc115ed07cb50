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

	"github.com/axmail/axmail/internal/binenc"
	"github.com/axmail/axmail/internal/durable"
)

// Compaction moves the live records of containers whose garbage is above a
// threshold into new containers, a group of sources (as many as one output
// container holds) at a time:
//
//  1. the output's id is allocated and the group's intent "copying"
//     (sources, output) committed: for every group of the run in one
//     transaction, before any copy;
//  2. live records are copied, checksums verified, to the new output;
//  3. fdatasync of the output and its directory; one transaction points
//     the blobs at it,
//     drops the sources' dead blobs and container entries, adds the
//     output's entry, and sets the intent to "switched";
//  4. the source files are deleted, then the intent cleared. A source
//     that no reader holds may instead be moved to the path of a later
//     group's output, not yet begun, and overwritten by it (copyRun.recycle):
//     that group's intent removes it if the run stops first.
//
// Steps 3 and 4 of a group run in the background while step 2 copies the
// next group, so each group has an intent of its own (bucketCompactions,
// keyed by output). The groups share no container, so their intents are
// independent. finishCompaction, run by Open and by every compaction,
// completes a step 4 that was interrupted or undoes a step 2 (deleting the
// output, which the index does not know yet), for every intent found, so a
// kill at any instant loses nothing and leaves nothing behind.

const (
	phaseCopying  = 1
	phaseSwitched = 2
)

type compactionIntent struct {
	Phase   uint8
	Sources []uint64
	Output  uint64
}

func (c *compactionIntent) encode() []byte {
	var e binenc.Encoder
	e.Uvarint(uint64(c.Phase))
	e.Uvarint(uint64(len(c.Sources)))
	for _, id := range c.Sources {
		e.Uvarint(id)
	}
	e.Uvarint(c.Output)
	return e.B
}

func decodeIntent(b []byte) (*compactionIntent, error) {
	d := binenc.NewDecoder(b)
	c := &compactionIntent{Phase: uint8(d.Uvarint())}
	n := d.Count(1)
	for i := 0; i < n && d.Err() == nil; i++ {
		c.Sources = append(c.Sources, d.Uvarint())
	}
	c.Output = d.Uvarint()
	if err := d.Finish(); err != nil {
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
	Skipped     []Problem     `json:"skipped"`
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
	groups := groupCandidates(cands, s.opts.ContainerSize-containerHeaderSize)
	if len(groups) > 0 {
		readAhead(groups[0])
	}
	outputs, err := s.allocOutputs(groups)
	if err != nil {
		return res, err
	}
	// finishing delivers the result of the group whose steps 3 and 4 run
	// in the background; nil when none does.
	var finishing chan groupOutcome
	collect := func() error {
		if finishing == nil {
			return nil
		}
		g := <-finishing
		finishing = nil
		if g.err != nil {
			return g.err
		}
		if g.output {
			res.Outputs++
		}
		res.Skipped = append(res.Skipped, g.skipped...)
		for _, c := range g.done {
			res.Compacted++
			res.LiveBytes += c.cv.Live
			res.Reclaimed += c.cv.Size - c.cv.Live
		}
		res.LiveRecords += g.records
		for _, c := range g.group {
			done += c.cv.Size
		}
		if o.Progress != nil {
			o.Progress(done, total)
		}
		return nil
	}
	copies := s.copyGroups(ctx, groups, outputs)
	defer copies.stop()
	remover := s.startRemover(copies.recycle)
	defer func() {
		if err := remover.finish(); err != nil {
			s.log.Error("compaction: removing sources", "err", err)
		}
	}()
	for i := range groups {
		if ctx.Err() != nil {
			break
		}
		p, err, ok := copies.result(ctx, i)
		if !ok {
			break
		}
		if err != nil {
			if cerr := collect(); cerr != nil {
				s.log.Error("compaction", "err", cerr)
			}
			return res, err
		}
		if err := collect(); err != nil {
			p.out.f.Close()
			return res, err
		}
		finishing = make(chan groupOutcome, 1)
		go func(ch chan<- groupOutcome) {
			g, err := s.finishGroup(p, remover)
			g.err = err
			ch <- g
		}(finishing)
	}
	if err := collect(); err != nil {
		return res, err
	}
	if err := remover.finish(); err != nil {
		return res, fmt.Errorf("store: compact: %w", err)
	}
	res.Duration = time.Since(start)
	s.log.Info("compaction done", "compacted", res.Compacted, "reclaimed", res.Reclaimed, "skipped", len(res.Skipped))
	return res, nil
}

// groupCandidates cuts the candidates into groups, each as many sources
// as one output container holds.
func groupCandidates(cands []candidate, room int64) [][]candidate {
	var groups [][]candidate
	for len(cands) > 0 {
		n, live := 1, cands[0].cv.Live
		for n < len(cands) && live+cands[n].cv.Live <= room {
			live += cands[n].cv.Live
			n++
		}
		groups = append(groups, cands[:n])
		cands = cands[n:]
	}
	return groups
}

// readAhead asks the kernel to start reading a group's sources.
func readAhead(group []candidate) {
	for _, c := range group {
		if f, err := os.Open(c.path); err == nil {
			_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_WILLNEED)
			f.Close()
		}
	}
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

// outputBuffer is how many bytes of records an output gathers before it
// writes them; outputSlack is room for the record that crosses that mark,
// so that the buffer is not reallocated for it. Each copier reuses its
// buffer from group to group: fresh memory costs page faults.
const (
	outputBuffer = 4 << 20
	outputSlack  = 1 << 20
)

// compactOutput is the new container a group is copied to.
type compactOutput struct {
	id   uint64
	path string
	f    *os.File
	size int64
	buf  []byte
	// recycled says the file was a source: its old bytes may follow size,
	// hidden behind an endMark after the new records until the file is cut
	// to length, so that a scan after a crash (a --rebuild-index, which
	// has no intents to go by) never reaches the old records.
	recycled bool
}

// allocOutputs allocates the output of every group and commits their
// intents "copying", in one transaction: a transaction costs two fsyncs,
// and a run has a group per output container.
func (s *Store) allocOutputs(groups [][]candidate) ([]uint64, error) {
	outputs := make([]uint64, len(groups))
	if len(groups) == 0 {
		return outputs, nil
	}
	err := s.indexWrite(false, func(tx *bolt.Tx) error {
		for i, g := range groups {
			id, err := s.allocContainerID(tx)
			if err != nil {
				return err
			}
			outputs[i] = id
			sources := make([]uint64, len(g))
			for j, c := range g {
				sources[j] = c.id
			}
			if err := putIntent(tx, &compactionIntent{Phase: phaseCopying, Sources: sources, Output: id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: compaction outputs: %w", err)
	}
	return outputs, nil
}

// newCompactOutput creates the file of output id, or takes over the
// recycled source file already moved to its path. Nothing is synced yet:
// until its group is switched to, the intent says to remove it, and
// finishGroup syncs it and its directory before the switch.
func (s *Store) newCompactOutput(id uint64, recycled string, buf []byte) (*compactOutput, error) {
	if cap(buf) < outputBuffer+outputSlack {
		buf = make([]byte, 0, outputBuffer+outputSlack)
	}
	o := &compactOutput{id: id, size: containerHeaderSize, buf: buf[:0]}
	if recycled != "" {
		f, err := os.OpenFile(recycled, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("store: compaction output: %w", err)
		}
		// Its records end at the first already (hideRecords).
		if _, err := f.WriteAt(encodeContainerHeader(id, s.opts.Now()), 0); err != nil {
			f.Close()
			return nil, fmt.Errorf("store: compaction output: %w", err)
		}
		o.path, o.f, o.recycled = recycled, f, true
		return o, nil
	}
	o.path = s.newContainerPath(id)
	f, err := newContainerFile(o.path, id, s.opts.Now())
	if err != nil {
		return nil, err
	}
	o.f = f
	return o, nil
}

// add appends a record, writing out full buffers and starting their
// writeback at once, so that the final fdatasync finds little left to do.
func (o *compactOutput) add(r *Record) (int64, error) {
	off := o.size + int64(len(o.buf))
	o.buf = r.appendTo(o.buf)
	if len(o.buf) >= outputBuffer {
		return off, o.flush()
	}
	return off, nil
}

func (o *compactOutput) flush() error {
	if len(o.buf) == 0 {
		return nil
	}
	n := len(o.buf)
	if o.recycled {
		o.buf = append(o.buf, endMark[:]...) // overwritten by the next flush
	}
	if _, err := o.f.WriteAt(o.buf, o.size); err != nil {
		return err
	}
	_ = unix.SyncFileRange(int(o.f.Fd()), o.size, int64(n), unix.SYNC_FILE_RANGE_WRITE)
	o.size += int64(n)
	o.buf = o.buf[:0]
	return nil
}

// cut drops everything from off on.
func (o *compactOutput) cut(off int64) error {
	o.buf = o.buf[:0]
	o.size = off
	return o.f.Truncate(off)
}

// movedRecord is a record copied from a source to the output.
type movedRecord struct {
	guid     GUID
	old, new int64
	size     int64
	kind     uint8
}

// sourceCopy is what one source contributed to the output.
type sourceCopy struct {
	c         candidate
	moved     []movedRecord
	deadBlobs []GUID
}

// groupOutcome is what finishing a group did.
type groupOutcome struct {
	group   []candidate
	done    []candidate
	skipped []Problem
	records int64
	output  bool
	err     error
}

// copiedGroup is a group whose live records are in its output, not yet
// synced nor switched to.
type copiedGroup struct {
	group   []candidate
	out     *compactOutput
	copies  []sourceCopy
	skipped []Problem
}

// copyGroup does steps 1 and 2 for a group of sources.
// recycled is the file waiting at the output's path, if any.
func (s *Store) copyGroup(group []candidate, output uint64, recycled string, buf, obuf *[]byte) (*copiedGroup, error) {
	out, err := s.newCompactOutput(output, recycled, *obuf)
	if err != nil {
		return nil, err
	}
	// The buffer goes back to the copier; the output must not write from it.
	defer func() { *obuf, out.buf = out.buf[:0], nil }()
	p := &copiedGroup{group: group, out: out}
	for _, c := range group {
		sc, problem, err := s.copySource(c, out, buf)
		if err != nil {
			out.f.Close()
			return nil, err
		}
		if problem != nil {
			p.skipped = append(p.skipped, Problem{Kind: "damaged", Path: problem.Path, Offset: problem.Offset,
				Message: "container skipped: " + problem.Err.Error()})
			continue
		}
		p.copies = append(p.copies, sc)
	}
	if err := out.flush(); err != nil {
		out.f.Close()
		return nil, fmt.Errorf("store: compact: %w", err)
	}
	return p, nil
}

// finishGroup does steps 3 and 4 for a copied group: after it, the index
// points at the output and the sources are gone.
func (s *Store) finishGroup(p *copiedGroup, r *sourceRemover) (groupOutcome, error) {
	res := groupOutcome{group: p.group, skipped: p.skipped}
	out := p.out
	defer out.f.Close()
	if out.recycled {
		if err := out.f.Truncate(out.size); err != nil {
			return res, fmt.Errorf("store: compact: %w", err)
		}
	}
	if out.size > containerHeaderSize {
		if err := unix.Fdatasync(int(out.f.Fd())); err != nil {
			return res, fmt.Errorf("store: compact: %w", err)
		}
		if err := durable.SyncDir(filepath.Dir(out.path)); err != nil {
			return res, fmt.Errorf("store: compact: %w", err)
		}
	}
	if len(p.copies) == 0 {
		return res, s.finishIntent(out.id) // undoes the intent: removes the output
	}
	// Readers must find the output as soon as the switch points blobs at
	// it; if the switch fails, undoing the intent forgets it again.
	if out.size > containerHeaderSize {
		s.filesMu.Lock()
		s.files[out.id] = out.path
		s.filesMu.Unlock()
		res.output = true
	}
	if err := s.switchGroup(p.copies, out, r.take()); err != nil {
		return res, err
	}
	for _, sc := range p.copies {
		res.done = append(res.done, sc.c)
		for _, m := range sc.moved {
			if m.kind == KindMessage {
				res.records++
			}
		}
	}
	r.remove(out.id)
	return res, nil
}

// copySource copies one source's live records (and the tombstones still
// needed) to out. A problem means the source is left as it was and out is
// cut back to where it stood.
func (s *Store) copySource(c candidate, out *compactOutput, buf *[]byte) (sourceCopy, *ScanProblem, error) {
	sc := sourceCopy{c: c}
	if err := out.flush(); err != nil {
		return sc, nil, err
	}
	start := out.size
	var problem *ScanProblem
	var liveSeen int64
	tx, err := s.db.Begin(false)
	if err != nil {
		return sc, nil, err
	}
	// Removals may have run since the candidates were listed: compare with
	// the live count of the snapshot the scan looks blobs up in.
	cv, err := decodeContainer(tx.Bucket(bucketContainers).Get(u64key(c.id)))
	if err != nil {
		tx.Rollback()
		return sc, nil, fmt.Errorf("store: compact %s: %w", c.path, err)
	}
	blobs := newBlobCursor(tx)
	_, scanErr := scanContainer(c.path, c.cv.Size, buf, false, func(r *Record) error {
		var b *blobValue
		if v := blobs.get(r.GUID); v != nil {
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
				sc.deadBlobs = append(sc.deadBlobs, r.GUID)
			}
			if keep {
				liveSeen++
			}
		case KindTombstone:
			// Still needed while the dead record it covers exists, even
			// in this group: step 4 unlinks the sources one by one, and a
			// kill between this one and the one holding the record would
			// leave the record uncovered for a --rebuild-index. The next
			// compaction of the output drops it: by then the switch has
			// dropped the record's blob entry and the sources are gone.
			keep = b != nil
		}
		if !keep {
			return nil
		}
		// Only what is kept is verified: a damaged live record stops the
		// copy of this source, a damaged dead one does not matter.
		if err := r.Verify(); err != nil {
			if problem == nil {
				problem = &ScanProblem{Path: c.path, Offset: r.Offset, Err: err}
			}
			if r.Kind == KindMessage {
				liveSeen-- // counted above; it is not intact
			}
			return nil
		}
		off, err := out.add(r)
		sc.moved = append(sc.moved, movedRecord{guid: r.GUID, old: r.Offset, new: off, size: r.size(), kind: r.Kind})
		return err
	}, func(p ScanProblem) {
		if problem == nil {
			problem = &p
		}
	})
	tx.Rollback()
	if scanErr != nil {
		return sc, nil, fmt.Errorf("store: compact %s: %w", c.path, scanErr)
	}
	// Damaged bytes are fine to drop when every live record was found
	// intact; otherwise a live message may be among them: keep the source.
	if liveSeen == cv.LiveCount {
		if problem != nil {
			s.log.Warn("compaction dropped damaged garbage", "path", problem.Path, "offset", problem.Offset, "err", problem.Err)
		}
		return sc, nil, nil
	}
	if problem == nil {
		problem = &ScanProblem{Path: c.path, Err: fmt.Errorf("found %d live records, index expects %d", liveSeen, cv.LiveCount)}
	}
	s.log.Error("compaction skipped a damaged container", "path", problem.Path, "offset", problem.Offset, "err", problem.Err)
	return sourceCopy{}, problem, out.cut(start)
}

// switchGroup points the index at the copies in one transaction, which
// also clears the intents of earlier groups whose sources are gone.
func (s *Store) switchGroup(copies []sourceCopy, out *compactOutput, cleared []uint64) error {
	err := s.indexWrite(false, func(tx *bolt.Tx) error {
		st := s.newTx(tx)
		ov := &containerValue{Size: out.size, Sealed: true}
		var done []uint64
		for _, sc := range copies {
			for _, m := range sc.moved {
				if m.kind != KindMessage {
					continue
				}
				b, err := st.blob(m.guid)
				if err != nil || b.Container != sc.c.id || b.Offset != m.old {
					continue // gone or moved meanwhile: its copy is dead bytes
				}
				b.Container, b.Offset = out.id, m.new
				if b.Refs > 0 {
					ov.Live += m.size
					ov.LiveCount++
				}
			}
			for _, g := range sc.deadBlobs {
				if err := tx.Bucket(bucketBlobs).Delete(g[:]); err != nil {
					return err
				}
			}
			if err := tx.Bucket(bucketContainers).Delete(u64key(sc.c.id)); err != nil {
				return err
			}
			done = append(done, sc.c.id)
		}
		if out.size > containerHeaderSize {
			st.containers[out.id] = ov
		}
		if err := st.flush(); err != nil {
			return err
		}
		for _, o := range cleared {
			if err := tx.Bucket(bucketCompactions).Delete(u64key(o)); err != nil {
				return err
			}
		}
		return putIntent(tx, &compactionIntent{Phase: phaseSwitched, Sources: done, Output: out.id})
	})
	if err != nil {
		return fmt.Errorf("store: compact switch: %w", err)
	}
	return nil
}

func putIntent(tx *bolt.Tx, c *compactionIntent) error {
	return tx.Bucket(bucketCompactions).Put(u64key(c.Output), c.encode())
}

// finishCompaction completes or undoes what interrupted compactions left,
// as their intents say.
func (s *Store) finishCompaction() error {
	var outputs []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCompactions).ForEach(func(k, _ []byte) error {
			outputs = append(outputs, getU64(k))
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, out := range outputs {
		if err := s.finishIntent(out); err != nil {
			return err
		}
	}
	return nil
}

// finishIntent completes or undoes the compaction group whose output is
// out, then clears its intent.
func (s *Store) finishIntent(out uint64) error {
	if err := s.applyIntent(out, nil); err != nil {
		return err
	}
	return s.clearIntents([]uint64{out})
}

// clearIntents forgets the intents of groups whose files are done.
func (s *Store) clearIntents(outs []uint64) error {
	if len(outs) == 0 {
		return nil
	}
	return s.indexWrite(false, func(tx *bolt.Tx) error {
		for _, out := range outs {
			if err := tx.Bucket(bucketCompactions).Delete(u64key(out)); err != nil {
				return err
			}
		}
		return nil
	})
}

// recycleFunc offers the file of a source whose group was switched for
// reuse as another output (copyRun.recycle).
type recycleFunc func(id uint64, path string) (dst string, ok bool)

// applyIntent does to the files what the intent of the group whose output
// is out says: remove the output of a group never switched to, or the
// sources of one switched to, each offered to recycle first if it is not
// nil. Done twice, it does nothing the second time.
func (s *Store) applyIntent(out uint64, recycle recycleFunc) error {
	var intent *compactionIntent
	var outputIndexed bool
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCompactions).Get(u64key(out))
		if v == nil {
			return nil
		}
		var err error
		if intent, err = decodeIntent(v); err != nil {
			return err
		}
		outputIndexed = tx.Bucket(bucketContainers).Get(u64key(intent.Output)) != nil
		return nil
	})
	if err != nil || intent == nil {
		return err
	}
	switch intent.Phase {
	case phaseCopying:
		// The index never learnt of the output: it holds only copies.
		if path, ok := s.outputPath(intent.Output); ok && !outputIndexed {
			if err := removeFile(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("store: undo compaction: %w", err)
			}
			s.forgetContainer(intent.Output)
		}
	case phaseSwitched:
		dirs := make(map[string]bool)
		for _, id := range intent.Sources {
			path, ok := s.containerPath(id)
			if !ok {
				continue
			}
			if recycle != nil {
				if dst, ok := recycle(id, path); ok {
					dirs[filepath.Dir(path)], dirs[filepath.Dir(dst)] = true, true
					s.log.Debug("container recycled", "path", path, "as", dst)
					continue
				}
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("store: finish compaction: %w", err)
			}
			dirs[filepath.Dir(path)] = true
			s.forgetContainer(id)
			s.log.Debug("container removed", "path", path)
		}
		for d := range dirs {
			if err := durable.SyncDir(d); err != nil {
				return fmt.Errorf("store: finish compaction: %w", err)
			}
		}
	default:
		return fmt.Errorf("store: unknown compaction phase %d", intent.Phase)
	}
	return nil
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
	return durable.SyncDir(filepath.Dir(path))
}

// removeStale removes a temporary file an interrupted run left.
func removeStale(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
