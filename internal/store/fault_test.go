package store

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// A write or fsync error is never acknowledged: the append fails with a
// temporary error, the container is sealed, later appends work, and the
// index holds exactly the acknowledged messages.
func TestFaultsAreNeverAcknowledged(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(h *faultHooks, fail *atomic.Bool)
	}{
		{"write", func(h *faultHooks, fail *atomic.Bool) {
			h.write = func() error {
				if fail.Load() {
					return errors.New("injected write error")
				}
				return nil
			}
		}},
		{"fsync", func(h *faultHooks, fail *atomic.Bool) {
			h.sync = func() error {
				if fail.Load() {
					return errors.New("injected fsync error")
				}
				return nil
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var fail atomic.Bool
			h := &faultHooks{}
			tc.set(h, &fail)
			s := openTest(t, Options{hooks: h})
			if _, err := s.Append(ctx, "a", "INBOX", testMessage(1, 500), 0, nil, time.Time{}, Quota{}); err != nil {
				t.Fatal(err)
			}
			first := s.activeID(t)
			fail.Store(true)
			_, err := s.Append(ctx, "a", "INBOX", testMessage(2, 500), 0, nil, time.Time{}, Quota{})
			var temp *TemporaryError
			if !errors.As(err, &temp) || IsPermanent(err) {
				t.Fatalf("append during %s fault = %v, want a temporary error", tc.name, err)
			}
			fail.Store(false)
			if _, err := s.Append(ctx, "a", "INBOX", testMessage(3, 500), 0, nil, time.Time{}, Quota{}); err != nil {
				t.Fatalf("append after fault: %v", err)
			}
			if s.activeID(t) == first {
				t.Fatalf("container %d still active after an I/O error", first)
			}
			mb, _ := s.GetMailbox("a", "INBOX")
			if mb.Messages != 2 {
				t.Fatalf("INBOX has %d messages, want the 2 acknowledged", mb.Messages)
			}
			mustCheckClean(t, s)
		})
	}
}

// The committer writes a group's message entries into the index while the
// group's records sync. If that fails after the sync, the group is not
// acknowledged, so it must not come back: not in this process, not after
// a restart, and not from a replay of the container after a crash (a copy
// of the data dir taken right after the failure stands for one).
func TestFailedIndexPutIsNotAcknowledged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var fail atomic.Bool
	h := &faultHooks{indexPut: func() error {
		if fail.Load() {
			return errors.New("injected index error")
		}
		return nil
	}}
	s, err := Open(Options{DataDir: dir, hooks: h})
	if err != nil {
		t.Fatal(err)
	}
	first := s
	t.Cleanup(func() { first.Close() }) // if the test stops early; Close twice is fine
	deliver := func(i int) (GUID, error) {
		g, _, err := s.Deliver(ctx, testMessage(i, 500), Delivery{Targets: []Target{{Account: "a", Mailbox: Inbox}}})
		return g, err
	}
	g1, err := deliver(1)
	if err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	g2, err := deliver(2)
	var temp *TemporaryError
	if !errors.As(err, &temp) || IsPermanent(err) {
		t.Fatalf("delivery during the index fault = %v, want a temporary error", err)
	}
	crashed := t.TempDir()
	copyTree(t, dir, crashed)
	fail.Store(false)
	g3, err := deliver(3)
	if err != nil {
		t.Fatalf("delivery after the fault: %v", err)
	}
	want := func(s *Store) {
		t.Helper()
		mb, err := s.GetMailbox("a", Inbox)
		if err != nil {
			t.Fatal(err)
		}
		if mb.Messages != 2 || mb.UIDNext != 3 {
			t.Fatalf("INBOX has %d messages, UIDNEXT %d; want the 2 acknowledged, UIDNEXT 3", mb.Messages, mb.UIDNext)
		}
		if got := readAll(t, s, g1); !bytes.Equal(got, testMessage(1, 500)) {
			t.Fatal("message 1 reads back wrong")
		}
		if got := readAll(t, s, g3); !bytes.Equal(got, testMessage(3, 500)) {
			t.Fatal("message 3 reads back wrong")
		}
		if r, err := s.OpenMessage(g2); err == nil {
			r.Close()
			t.Fatal("the delivery that failed can be read")
		}
		mustCheckClean(t, s)
	}
	want(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want(openTest(t, Options{DataDir: dir}))

	s = openTest(t, Options{DataDir: crashed})
	mb, err := s.GetMailbox("a", Inbox)
	if err != nil {
		t.Fatal(err)
	}
	if mb.Messages != 1 {
		t.Fatalf("after the crash INBOX has %d messages, want the 1 acknowledged", mb.Messages)
	}
	if r, err := s.OpenMessage(g2); err == nil {
		r.Close()
		t.Fatal("after the crash the delivery that failed can be read")
	}
	mustCheckClean(t, s)
}
