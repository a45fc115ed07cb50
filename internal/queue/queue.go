package queue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/axmail/axmail/internal/durable"
)

// Errors of the queue.
var (
	ErrNotFound = errors.New("queue: message not found")
	ErrClosed   = errors.New("queue: closed")
	ErrInvalid  = errors.New("queue: invalid message")
	ErrLocked   = errors.New("queue: directory is in use by another process")
)

// Options configures a Queue.
type Options struct {
	// Dir is the queue directory, <data_dir>/queue; it is created if
	// missing. Required.
	Dir string
	// Logger receives what Open finds (corrupt, foreign and leftover
	// files) and each enqueue and removal; nil discards.
	Logger *slog.Logger
	// Now is the clock for Created and IDs; nil means time.Now.
	Now func() time.Time
}

// Queue is the durable queue of messages for remote recipients. Its
// methods are safe for concurrent use.
type Queue struct {
	dir  string
	log  *slog.Logger
	now  func() time.Time
	lock *os.File

	mu       sync.Mutex // guards the fields below
	msgs     map[string]Message
	lastID   uint64
	closed   bool
	inflight sync.WaitGroup // Enqueue calls between the closed check and their end
}

// Open opens the queue directory, takes its lock and loads every valid
// message's metadata (see doc.go for what it does with other files).
func Open(o Options) (*Queue, error) {
	if o.Dir == "" {
		return nil, errors.New("queue: no directory")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := durable.MakeDirs(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	lock, err := lockDir(o.Dir)
	if err != nil {
		return nil, err
	}
	q := &Queue{dir: o.Dir, log: o.Logger, now: o.Now, lock: lock, msgs: make(map[string]Message)}
	if err := q.scan(); err != nil {
		lock.Close()
		return nil, err
	}
	for id := range q.msgs {
		if t := idTime(id); t > q.lastID {
			q.lastID = t
		}
	}
	return q, nil
}

// Enqueue stores a message durably and returns it. It returns only after
// the message file and the directory entry are fsynced: a nil error is the
// acknowledgement that the message survives a crash.
func (q *Queue) Enqueue(ctx context.Context, env Envelope, body []byte) (Message, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, err
	}
	if len(env.Recipients) == 0 {
		return Message{}, fmt.Errorf("%w: no recipients", ErrInvalid)
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return Message{}, ErrClosed
	}
	created := fromUnixNano(q.now().UnixNano())
	var id string
	id, q.lastID = newID(created, q.lastID)
	q.inflight.Add(1)
	q.mu.Unlock()
	defer q.inflight.Done()

	m := Message{ID: id, Envelope: cloneEnvelope(env), Size: int64(len(body)), Created: created}
	head, err := encode(m, body)
	if err != nil {
		return Message{}, err
	}
	// Writes and fsyncs run outside the lock, so concurrent enqueues
	// overlap their I/O.
	if err := writeFile(q.dir, id, head, body); err != nil {
		return Message{}, fmt.Errorf("queue: write %s: %w", id, err)
	}
	q.mu.Lock()
	q.msgs[id] = m
	q.mu.Unlock()
	q.log.Info("message queued", "queue_id", id, "from", env.From, "rcpts", len(env.Recipients), "size", len(body), "account", env.Account)
	return cloneMessage(m), nil
}

// List returns every queued message, oldest first (by Created, then ID).
func (q *Queue) List() []Message {
	q.mu.Lock()
	out := make([]Message, 0, len(q.msgs))
	for _, m := range q.msgs {
		out = append(out, cloneMessage(m))
	}
	q.mu.Unlock()
	slices.SortFunc(out, func(a, b Message) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Get returns one message, or ErrNotFound.
func (q *Queue) Get(id string) (Message, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m, ok := q.msgs[id]
	if !ok {
		return Message{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return cloneMessage(m), nil
}

// Body opens a message's body. The reader checks the file's checksum at
// the end and returns an error wrapping ErrCorrupt if it does not match.
func (q *Queue) Body(id string) (io.ReadCloser, error) {
	q.mu.Lock()
	_, ok := q.msgs[id]
	q.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	rc, err := openBody(q.path(id))
	if errors.Is(err, os.ErrNotExist) { // removed since the lookup
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("queue: body of %s: %w", id, err)
	}
	return rc, nil
}

// Remove deletes a message durably (the directory is fsynced), or returns
// ErrNotFound.
func (q *Queue) Remove(id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	if _, ok := q.msgs[id]; !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err := os.Remove(q.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("queue: remove %s: %w", id, err)
	}
	delete(q.msgs, id)
	if err := durable.SyncDir(q.dir); err != nil {
		return fmt.Errorf("queue: remove %s: %w", id, err)
	}
	q.log.Info("message removed from queue", "queue_id", id)
	return nil
}

// Len is the number of queued messages.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs)
}

// Close waits for enqueues in flight and releases the directory lock.
// Later calls that change the queue return ErrClosed.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.mu.Unlock()
	q.inflight.Wait()
	return q.lock.Close()
}

func (q *Queue) path(id string) string { return filepath.Join(q.dir, id+msgSuffix) }

func cloneEnvelope(e Envelope) Envelope {
	rs := make([]Recipient, len(e.Recipients))
	for i, r := range e.Recipients {
		r.Notify = slices.Clone(r.Notify)
		rs[i] = r
	}
	e.Recipients = rs
	return e
}

// cloneMessage copies the slices too, so callers cannot change the
// queue's copy.
func cloneMessage(m Message) Message {
	m.Envelope = cloneEnvelope(m.Envelope)
	return m
}
