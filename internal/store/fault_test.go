package store

import (
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
