package store

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/message"
)

// Containers may live in several locations: a store opened with more
// paths finds every container wherever it is.
func TestSeveralLocations(t *testing.T) {
	ctx := context.Background()
	dir, second := t.TempDir(), t.TempDir()
	s := openTest(t, Options{DataDir: dir, ContainerSize: 64 << 10, Dirs: 4})
	guids, _ := appendGUIDs(t, s, "a", 200, 4000)
	s.Close()
	// Move every sealed container of one sub-directory to the second path.
	moved := 0
	files, _ := filepath.Glob(filepath.Join(dir, "containers", "001", "*.axc"))
	for _, f := range files {
		dst := filepath.Join(second, strings.TrimPrefix(f, dir))
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.Rename(f, dst); err != nil {
			t.Fatal(err)
		}
		moved++
	}
	if moved == 0 {
		t.Fatal("no container in sub-directory 001 to move")
	}
	s = openTest(t, Options{DataDir: dir, Paths: []string{dir, second}, ContainerSize: 64 << 10, Dirs: 4})
	for i, g := range guids {
		if got := readAll(t, s, g); !bytes.Equal(got, testMessage(i, 4000)) {
			t.Fatalf("message %d differs", i)
		}
	}
	mustCheckClean(t, s)
	// New containers still go somewhere these paths hold.
	if _, err := s.Append(ctx, "a", "INBOX", testMessage(999, 70000), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatal(err)
	}
	mustCheckClean(t, s)
	// A compaction over both paths, recycling sources where they are.
	mb, _ := s.GetMailbox("a", "INBOX")
	uids, _ := s.UIDs(mb.ID)
	var odd []uint32
	for _, u := range uids {
		if u%2 == 1 {
			odd = append(odd, u)
		}
	}
	if _, err := s.Remove(ctx, mb.ID, odd); err != nil {
		t.Fatal(err)
	}
	before := s.recycled.Load()
	if _, err := s.Compact(ctx, CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.recycled.Load() == before {
		t.Error("no source was recycled")
	}
	for i, g := range guids {
		if uint32(i+1)%2 == 0 { // UIDs 2, 4, ... are left
			if got := readAll(t, s, g); !bytes.Equal(got, testMessage(i, 4000)) {
				t.Fatalf("message %d differs after the compaction", i)
			}
		}
	}
	mustCheckClean(t, s)
	s.filesMu.Lock()
	for id, p := range s.files {
		if !strings.HasPrefix(p, dir+"/") && !strings.HasPrefix(p, second+"/") {
			t.Errorf("container %016x at %s, outside the store's paths", id, p)
		}
	}
	s.filesMu.Unlock()
}

func TestSummaryCachedAtAppend(t *testing.T) {
	summarize := func(r io.Reader) ([]byte, error) {
		sum, err := message.Summarize(r)
		if err != nil {
			return nil, err
		}
		return sum.MarshalBinary()
	}
	s := openTest(t, Options{Summarize: summarize})
	p, err := s.Append(context.Background(), "a", "INBOX", testMessage(7, 500), 0, nil, time.Time{}, Quota{})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := s.Message(p.Mailbox, p.UID)
	raw, err := s.Summary(info.GUID)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := message.UnmarshalSummary(raw)
	if err != nil {
		t.Fatalf("UnmarshalSummary: %v", err)
	}
	if sum.Envelope == nil || sum.Envelope.Subject != "message 7" {
		t.Fatalf("cached envelope = %+v", sum.Envelope)
	}
}

func TestHotCacheEvictsColdMailboxes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{CacheMessages: 10})
	var ids []MailboxID
	for a := range 3 {
		var mb MailboxID
		for i := range 6 {
			p, err := s.Append(ctx, string(rune('a'+a)), "INBOX", testMessage(i, 100), 0, nil, time.Time{}, Quota{})
			if err != nil {
				t.Fatal(err)
			}
			mb = p.Mailbox
		}
		ids = append(ids, mb)
	}
	for _, id := range ids {
		uids, err := s.UIDs(id)
		if err != nil || len(uids) != 6 {
			t.Fatalf("UIDs = %v, %v", uids, err)
		}
		if n := s.CachedMessages(); n > 10 {
			t.Fatalf("cache holds %d messages, limit 10", n)
		}
	}
	// An evicted mailbox reloads with changes made while it was cold.
	if _, err := s.Append(ctx, "a", "INBOX", testMessage(9, 100), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatal(err)
	}
	uids, err := s.UIDs(ids[0])
	if err != nil || len(uids) != 7 {
		t.Fatalf("reloaded UIDs = %v, %v", uids, err)
	}
}
