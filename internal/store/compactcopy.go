package store

import (
	"context"
	"runtime"
	"sync"
)

// compactCopiers is how many groups are copied at once: a copy is CPU work
// (checksums, the copy itself) as much as I/O, and one goroutine leaves a
// second core idle while the other group's output syncs.
const compactCopiers = 2

// copyRun copies compaction groups (steps 1 and 2) ahead of the loop that
// finishes them in order, at most compactCopiers+1 groups ahead, which
// bounds the extra disk space to as many output containers.
type copyRun struct {
	s       *Store
	results []chan copyResult
	tokens  chan struct{}
	quit    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	taken   int
}

type copyResult struct {
	p   *copiedGroup
	err error
}

// copyGroups starts copying groups in order, group i to outputs[i].
func (s *Store) copyGroups(ctx context.Context, groups [][]candidate, outputs []uint64) *copyRun {
	copiers := max(1, min(compactCopiers, runtime.NumCPU()))
	r := &copyRun{s: s, results: make([]chan copyResult, len(groups)),
		tokens: make(chan struct{}, copiers+1), quit: make(chan struct{})}
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
				p, err := s.copyGroup(groups[i], outputs[i], &buf, &obuf)
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
