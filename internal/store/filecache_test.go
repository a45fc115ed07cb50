package store

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// Readers share one open file per container; a reader opened before a
// compaction still reads its bytes after the container is gone, and the
// cache holds no removed container afterwards.
func TestFileCacheAcrossCompaction(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{ContainerSize: 256 << 10})
	kept := fillHalfDeleted(t, s, 200, 4000)
	for g, body := range kept {
		if got := readAll(t, s, g); !bytes.Equal(got, body) {
			t.Fatalf("message %s reads back wrong", g)
		}
	}
	s.filesMu.Lock()
	containers := len(s.files)
	s.filesMu.Unlock()
	s.fcache.mu.Lock()
	n := len(s.fcache.files)
	s.fcache.mu.Unlock()
	if n == 0 || n > containers {
		t.Fatalf("%d files cached for %d containers after reading every message", n, containers)
	}
	var held *MessageReader
	var heldBody []byte
	for g, body := range kept {
		r, err := s.OpenMessage(g)
		if err != nil {
			t.Fatal(err)
		}
		held, heldBody = r, body
		break
	}
	if _, err := s.Compact(ctx, CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(held)
	if err != nil || !bytes.Equal(got, heldBody) {
		t.Fatalf("a reader opened before compaction read %d bytes, %v; want its message", len(got), err)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	if err := held.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s.fcache.mu.Lock()
	for id := range s.fcache.files {
		if _, ok := s.containerPath(id); !ok {
			t.Errorf("container %016x was removed but is still cached", id)
		}
	}
	s.fcache.mu.Unlock()
	for g, body := range kept {
		if got := readAll(t, s, g); !bytes.Equal(got, body) {
			t.Fatalf("message %s changed by compaction", g)
		}
	}
}
