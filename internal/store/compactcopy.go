package store

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/axmail/axmail/internal/durable"
)

// compactCopiers is how many groups are copied at once: a copy is CPU work
// (checksums, the copy itself) as much as I/O, and one goroutine leaves a
// second core idle while the other group's output syncs.
const compactCopiers = 2

// copyRun copies compaction groups (steps 1 and 2) ahead of the loop that
// finishes them in order, at most compactCopiers+1 groups ahead, which
// bounds the extra disk space to as many output containers.
//
// It also recycles the sources of switched groups as the output files of
// groups not yet started (recycle): overwriting a file's blocks spares the
// file system an allocation now and a release (and, mounted with discard,
// a discard of 64 MiB) later, as a new file and a deleted one would cost.
type copyRun struct {
	s       *Store
	outputs []uint64
	results []chan copyResult
	tokens  chan struct{}
	quit    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	taken   int

	mu       sync.Mutex
	started  []bool   // groups a copier has begun
	prepared []string // recycled files moved to the path of a group's output
}

type copyResult struct {
	p   *copiedGroup
	err error
}

// copyGroups starts copying groups in order, group i to outputs[i].
func (s *Store) copyGroups(ctx context.Context, groups [][]candidate, outputs []uint64) *copyRun {
	copiers := max(1, min(compactCopiers, runtime.NumCPU()))
	r := &copyRun{s: s, outputs: outputs, results: make([]chan copyResult, len(groups)),
		tokens: make(chan struct{}, copiers+1), quit: make(chan struct{}),
		started: make([]bool, len(groups)), prepared: make([]string, len(groups))}
	for i := range r.results {
		r.results[i] = make(chan copyResult, 1)
	}
	next := make(chan int)
	for range copiers {
		r.wg.Go(func() {
			var buf []byte  // the source being read, reused
			var obuf []byte // the output's write buffer, reused
			for i := range next {
				// The kernel reads the next group while this one is copied.
				if i+1 < len(groups) {
					readAhead(groups[i+1])
				}
				p, err := s.copyGroup(groups[i], outputs[i], r.start(i), &buf, &obuf)
				r.results[i] <- copyResult{p, err}
			}
		})
	}
	r.wg.Go(func() {
		defer close(next)
		for i := range groups {
			select {
			case r.tokens <- struct{}{}:
			case <-r.quit:
				return
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-r.quit:
				return
			case <-ctx.Done():
				return
			}
		}
	})
	return r
}

// start marks group i begun and returns the recycled file waiting at its
// output's path, if any.
func (r *copyRun) start(i int) (recycled string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started[i] = true
	return r.prepared[i]
}

// recycle moves the file of source id, whose group was switched, to the
// output path of the first group no copier has begun, if there is one and
// no reader holds the source; dst is where it went. When it does not (or
// fails: logged), the caller deletes the file as usual. The move is not
// yet durable: the caller syncs both directories before the switched
// group's intent may go. Until then a crash leaves the file either where
// it was, which that intent removes, or at the output's path, which the
// output's intent ("copying") removes.
func (r *copyRun) recycle(id uint64, path string) (dst string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := 0
	for i < len(r.started) && (r.started[i] || r.prepared[i] != "") {
		i++
	}
	if i == len(r.started) || !r.s.retireContainer(id) {
		return "", false
	}
	dst = r.s.layout.sibling(path, r.outputs[i])
	err := hideRecords(path)
	if err == nil {
		err = durable.MakeDirs(filepath.Dir(dst), 0o750)
	}
	if err == nil {
		err = os.Rename(path, dst)
	}
	if err != nil {
		r.s.log.Warn("compaction: a source could not be recycled; removing it", "path", path, "err", err)
		return "", false
	}
	r.prepared[i] = dst
	r.s.recycled.Add(1)
	if h := r.s.opts.hooks; h != nil && h.recycled != nil {
		h.recycled()
	}
	return dst, true
}

// hideRecords ends a source's records at its first one, durably, before
// it is recycled: a scan of the file after a crash, by a --rebuild-index
// that has no intents to go by, must not find the old records (deleted
// messages among them) at an output's path.
func hideRecords(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteAt(endMark[:], containerHeaderSize); err != nil {
		return err
	}
	return unix.Fdatasync(int(f.Fd()))
}

// result waits for group i's copy; ok is false if ctx ended first. Groups
// must be taken in order.
func (r *copyRun) result(ctx context.Context, i int) (p *copiedGroup, err error, ok bool) {
	select {
	case res := <-r.results[i]:
		r.taken = i + 1
		<-r.tokens
		return res.p, res.err, true
	case <-ctx.Done():
		return nil, nil, false
	}
}

// stop ends the copies and undoes the groups nobody took: their outputs
// are removed and their intents cleared.
func (r *copyRun) stop() {
	r.once.Do(func() {
		close(r.quit)
		r.wg.Wait()
		for _, ch := range r.results[r.taken:] {
			select {
			case res := <-ch:
				if res.p != nil {
					res.p.out.f.Close()
				}
			default:
			}
		}
		// Every group has had an intent since the run began.
		if r.taken < len(r.results) {
			if err := r.s.finishCompaction(); err != nil {
				r.s.log.Error("compaction: undoing unfinished copies", "err", err)
			}
		}
	})
}
