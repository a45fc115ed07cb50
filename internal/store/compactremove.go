package store

import "sync"

// sourceRemover removes the sources of switched groups (step 4) beside
// the loop that copies and switches the next groups: unlinking 64 MiB
// files costs tens of milliseconds each. The intents of the groups it is
// done with are cleared by the next switch's transaction, or by finish.
type sourceRemover struct {
	s       *Store
	recycle recycleFunc
	todo    chan uint64
	done    chan struct{}
	once    sync.Once
	mu      sync.Mutex
	removed []uint64 // outputs whose sources are gone, intents not cleared
	err     error
}

func (s *Store) startRemover(recycle recycleFunc) *sourceRemover {
	r := &sourceRemover{s: s, recycle: recycle, todo: make(chan uint64, 64), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for out := range r.todo {
			err := s.applyIntent(out, r.recycle)
			r.mu.Lock()
			if err != nil {
				r.err = err // the intent stays: the next run finishes it
			} else {
				r.removed = append(r.removed, out)
			}
			r.mu.Unlock()
		}
	}()
	return r
}

// remove queues the sources of a switched group.
func (r *sourceRemover) remove(out uint64) { r.todo <- out }

// take returns the outputs whose intents may now be cleared.
func (r *sourceRemover) take() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	outs := r.removed
	r.removed = nil
	return outs
}

// finish waits for the removals and clears the intents left.
func (r *sourceRemover) finish() error {
	var err error
	r.once.Do(func() {
		close(r.todo)
		<-r.done
		if err = r.err; err == nil {
			err = r.s.clearIntents(r.take())
		}
	})
	return err
}
