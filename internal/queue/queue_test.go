package queue

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestEnqueueRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "queue")
	now := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	q, err := Open(Options{Dir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	env := testEnvelope(1)
	body := testBody(7)
	m := enqueue(t, q, env, body)
	if !validID(m.ID) || !reflect.DeepEqual(m.Envelope, env) || m.Size != int64(len(body)) || !m.Created.Equal(now) || m.Attempts != 0 {
		t.Fatalf("Enqueue = %+v, want envelope %+v, size %d, created %v", m, env, len(body), now)
	}
	// The caller's envelope is copied: changing it later changes nothing.
	env.Recipients[0].Notify[0] = "NEVER"
	got, err := q.Get(m.ID)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("Get(%s) = %+v, %v; want %+v", m.ID, got, err, m)
	}
	got.Envelope.Recipients[0].Address = "changed"
	if again, _ := q.Get(m.ID); again.Envelope.Recipients[0].Address != "a@remote.example" {
		t.Fatal("Get returned the queue's own slices")
	}
	if b, err := readBody(q, m.ID); err != nil || !bytes.Equal(b, body) {
		t.Fatalf("Body(%s) = %q, %v; want %q", m.ID, b, err, body)
	}
	// The same clock reading twice still gives distinct, ordered IDs.
	m2 := enqueue(t, q, testEnvelope(2), nil)
	if m2.ID <= m.ID {
		t.Fatalf("second ID %s not after first %s", m2.ID, m.ID)
	}
	if l := q.List(); len(l) != 2 || l[0].ID != m.ID || l[1].ID != m2.ID || q.Len() != 2 {
		t.Fatalf("List = %+v, Len %d; want %s then %s", l, q.Len(), m.ID, m2.ID)
	}
	if b, err := readBody(q, m2.ID); err != nil || len(b) != 0 {
		t.Fatalf("empty body read back as %q, %v", b, err)
	}
	if err := q.Remove(m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, m.ID+msgSuffix)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file of removed message: %v", err)
	}
	for name, err := range map[string]error{
		"Get":    func() error { _, err := q.Get(m.ID); return err }(),
		"Body":   func() error { _, err := q.Body(m.ID); return err }(),
		"Remove": q.Remove(m.ID),
		"Get bad id": func() error {
			_, err := q.Get("../../etc/passwd")
			return err
		}(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s after Remove = %v, want ErrNotFound", name, err)
		}
	}
	if q.Len() != 1 {
		t.Fatalf("Len = %d, want 1", q.Len())
	}
}

func TestEnqueueRefuses(t *testing.T) {
	t.Parallel()
	q := openQueue(t, t.TempDir(), nil)
	ctx := context.Background()
	if _, err := q.Enqueue(ctx, Envelope{From: "a@example.org"}, []byte("x")); !errors.Is(err, ErrInvalid) {
		t.Errorf("Enqueue without recipients = %v, want ErrInvalid", err)
	}
	huge := Envelope{Recipients: []Recipient{{Address: string(make([]byte, maxEnvelopeSize))}}}
	if _, err := q.Enqueue(ctx, huge, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Enqueue with a 4 MiB address = %v, want ErrInvalid", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := q.Enqueue(cctx, testEnvelope(1), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Enqueue with a cancelled context = %v", err)
	}
	if q.Len() != 0 {
		t.Errorf("Len after refusals = %d", q.Len())
	}
	if ents, _ := os.ReadDir(q.dir); len(ents) != 1 { // .lock
		t.Errorf("refused enqueues left files: %v", ents)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Enqueue(ctx, testEnvelope(1), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Enqueue after Close = %v, want ErrClosed", err)
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	q := openQueue(t, dir, nil)
	var want []Message
	for i := range 20 {
		want = append(want, enqueue(t, q, testEnvelope(i), testBody(i)))
	}
	for _, i := range []int{3, 11} {
		if err := q.Remove(want[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	want = slices.Delete(want, 11, 12)
	want = slices.Delete(want, 3, 4)
	if _, err := Open(Options{Dir: dir}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open while the first holds the queue = %v, want ErrLocked", err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q = openQueue(t, dir, nil)
	defer q.Close()
	if got := q.List(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after restart List =\n%+v\nwant\n%+v", got, want)
	}
	for i, m := range want {
		i := i
		if i >= 3 {
			i++
		}
		if i >= 11 {
			i++
		}
		if b, err := readBody(q, m.ID); err != nil || !bytes.Equal(b, testBody(i)) {
			t.Fatalf("Body(%s) after restart = %q, %v", m.ID, b, err)
		}
	}
	// IDs given after a restart still sort after the old ones.
	if m := enqueue(t, q, testEnvelope(99), nil); m.ID <= want[len(want)-1].ID {
		t.Fatalf("ID after restart %s not after %s", m.ID, want[len(want)-1].ID)
	}
}

func TestConcurrentEnqueue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	q := openQueue(t, dir, nil)
	const workers, each = 8, 25
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m, err := q.Enqueue(context.Background(), testEnvelope(w*each+i), testBody(w*each+i))
				if err != nil {
					t.Error(err)
					return
				}
				ids <- m.ID
			}
		})
	}
	// Readers run alongside the writers.
	wg.Go(func() {
		for q.Len() < workers*each && !t.Failed() {
			for _, m := range q.List() {
				if _, err := q.Get(m.ID); err != nil {
					t.Error(err)
				}
			}
		}
	})
	wg.Wait()
	close(ids)
	seen := make(map[string]bool)
	for id := range ids {
		if seen[id] {
			t.Fatalf("duplicate ID %s", id)
		}
		seen[id] = true
	}
	if len(seen) != workers*each || q.Len() != workers*each {
		t.Fatalf("%d IDs, Len %d; want %d", len(seen), q.Len(), workers*each)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q = openQueue(t, dir, nil)
	defer q.Close()
	for id := range seen {
		m, err := q.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		b, err := readBody(q, id)
		if err != nil || int64(len(b)) != m.Size {
			t.Fatalf("Body(%s) = %d bytes, %v; want %d", id, len(b), err, m.Size)
		}
	}
}

func TestBodyDetectsDamageAfterOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	q := openQueue(t, dir, nil)
	defer q.Close()
	m := enqueue(t, q, testEnvelope(1), testBody(30))
	path := filepath.Join(dir, m.ID+msgSuffix)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("X"), headerSize+int64(len(encodeEnvelope(m)))+10); err != nil { // inside the body
		t.Fatal(err)
	}
	f.Close()
	if _, err := readBody(q, m.ID); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("reading a damaged body = %v, want ErrCorrupt", err)
	}
	if err := os.Truncate(path, 50); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Body(m.ID); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Body of a truncated file = %v, want ErrCorrupt", err)
	}
}
