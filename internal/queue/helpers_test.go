package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"
)

// testEnvelope is an envelope with every field set, DSN parameters too.
func testEnvelope(i int) Envelope {
	return Envelope{
		From: fmt.Sprintf("sender%d@example.org", i),
		Recipients: []Recipient{
			{Address: "a@remote.example", Notify: []string{"FAILURE", "DELAY"}, ORcpt: "rfc822;a@remote.example"},
			{Address: fmt.Sprintf("b%d@other.example", i)},
		},
		Ret: "HDRS", EnvID: fmt.Sprintf("env-%d", i), Account: "sender@example.org", ClientIP: "127.0.0.1",
	}
}

func testBody(i int) []byte {
	return fmt.Appendf(nil, "From: sender@example.org\r\nSubject: %d\r\n\r\n%s", i, bytes.Repeat([]byte("line\r\n"), i%50))
}

// openQueue opens dir, retrying while the lock is held: a test binary
// that forks (the crash test) keeps a copy of the lock's descriptor until
// its exec, so a lock just released may be held for a moment.
func openQueue(t *testing.T, dir string, log io.Writer) *Queue {
	t.Helper()
	o := Options{Dir: dir}
	if log != nil {
		o.Logger = slog.New(slog.NewTextHandler(log, nil))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		q, err := Open(o)
		if errors.Is(err, ErrLocked) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("Open(%s): %v", dir, err)
		}
		t.Cleanup(func() { q.Close() }) // Close is idempotent
		return q
	}
}

func enqueue(t *testing.T, q *Queue, env Envelope, body []byte) Message {
	t.Helper()
	m, err := q.Enqueue(context.Background(), env, body)
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return m
}

// readBody reads a message's body through Body.
func readBody(q *Queue, id string) ([]byte, error) {
	rc, err := q.Body(id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
