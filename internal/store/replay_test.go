package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// holdIndex makes every index commit of the committer fail while on: the
// acknowledged appends then live only in the container, as after a crash
// between their fdatasync and their index transaction.
func holdIndex(on *atomic.Bool) *faultHooks {
	return &faultHooks{indexCommit: func() error {
		if on.Load() {
			return errors.New("injected index commit failure")
		}
		return nil
	}}
}

// sizeSummary stands in for the message summary: a replay must compute it
// again from the record.
func sizeSummary(r io.Reader) ([]byte, error) {
	n, err := io.Copy(io.Discard, r)
	return []byte(strconv.FormatInt(n, 10)), err
}

func appendToFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// Appends acknowledged but never indexed come back at the next open with
// the UIDs they were given, readable, and the store checks clean.
func TestReplayRestoresAcknowledgedAppends(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var hold atomic.Bool
	s, err := Open(Options{DataDir: dir, hooks: holdIndex(&hold), Summarize: sizeSummary})
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Append(ctx, "a", "INBOX", testMessage(0, 700), FlagSeen, nil, time.Time{}, Quota{})
	if err != nil {
		t.Fatal(err)
	}
	hold.Store(true)
	type acked struct {
		placed Placed
		guid   GUID
		body   []byte
	}
	var mu sync.Mutex
	var got []acked
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				body := testMessage(100*w+i+1, 900)
				targets := []Target{{Account: "a", Mailbox: "INBOX", Flags: FlagFlagged, Keywords: []string{"k"}}, {Account: "b", Mailbox: "INBOX", Create: true}}
				if i > 0 {
					targets = targets[:1]
				}
				// b's INBOX is created by w's first delivery: such a group
				// is acknowledged only after its index commit, which fails.
				g, placed, err := s.Deliver(ctx, body, Delivery{Targets: targets})
				if err != nil {
					continue
				}
				mu.Lock()
				got = append(got, acked{placed[0], g, body})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) < 30 {
		t.Fatalf("%d appends acknowledged, want at least 30", len(got))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, Options{DataDir: dir, Summarize: sizeSummary})
	mb, err := s.GetMailbox("a", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if int(mb.Messages) != len(got)+1 {
		t.Fatalf("INBOX has %d messages after replay, want %d", mb.Messages, len(got)+1)
	}
	if _, err := s.GetMailbox("b", "INBOX"); !errors.Is(err, ErrNoMailbox) {
		t.Fatalf("b's INBOX, created by unacknowledged groups, = %v, want ErrNoMailbox", err)
	}
	for _, a := range got {
		mi, err := s.Message(a.placed.Mailbox, a.placed.UID)
		if err != nil {
			t.Fatalf("UID %d acknowledged, after replay: %v", a.placed.UID, err)
		}
		if mi.GUID != a.guid || mi.Flags != FlagFlagged || len(mi.Keywords) != 1 {
			t.Fatalf("UID %d after replay = %+v", a.placed.UID, mi)
		}
		if !bytes.Equal(readAll(t, s, a.guid), a.body) {
			t.Fatalf("UID %d reads back different bytes", a.placed.UID)
		}
		if sum, err := s.Summary(a.guid); err != nil || string(sum) != strconv.Itoa(len(a.body)) {
			t.Fatalf("summary of UID %d = %q, %v; want %d", a.placed.UID, sum, err, len(a.body))
		}
	}
	if mi, err := s.Message(first.Mailbox, first.UID); err != nil || mi.Flags != FlagSeen {
		t.Fatalf("first message = %+v, %v", mi, err)
	}
	mustCheckClean(t, s)
	// New appends continue after the replayed UIDs.
	p, err := s.Append(ctx, "a", "INBOX", testMessage(999, 300), 0, nil, time.Time{}, Quota{})
	if err != nil || p.UID != mb.UIDNext {
		t.Fatalf("append after replay = %+v, %v; want UID %d", p, err, mb.UIDNext)
	}
}

// An index commit that fails online is retried by the next one: readers
// then see every acknowledged append.
func TestIndexCommitFailureIsRetried(t *testing.T) {
	var hold atomic.Bool
	s := openTest(t, Options{hooks: holdIndex(&hold)})
	appendInbox(t, s, 0, 1, 500)
	hold.Store(true)
	appendInbox(t, s, 1, 5, 500)
	hold.Store(false)
	mb, err := s.GetMailbox("a", "INBOX")
	if err != nil || mb.Messages != 6 {
		t.Fatalf("INBOX = %+v, %v; want the 6 acknowledged messages", mb, err)
	}
	mustCheckClean(t, s)
}

// A record torn after the last complete group is cut; the groups before
// it are replayed.
func TestReplayStopsAtATornGroup(t *testing.T) {
	dir := t.TempDir()
	var hold atomic.Bool
	s, err := Open(Options{DataDir: dir, hooks: holdIndex(&hold)})
	if err != nil {
		t.Fatal(err)
	}
	appendInbox(t, s, 0, 1, 500)
	hold.Store(true)
	appendInbox(t, s, 1, 3, 500)
	id := s.activeID(t)
	path, _ := s.containerPath(id)
	s.Close()
	// Half a message record, as a crash during a write leaves it.
	half := encodeRecord(KindMessage, GUID{1}, encodeMeta(&RecordMeta{Placements: []Placement{{Account: "a", Mailbox: "INBOX"}}}), testMessage(9, 500))
	appendToFile(t, path, half[:len(half)/2])

	s = openTest(t, Options{DataDir: dir})
	mb, err := s.GetMailbox("a", "INBOX")
	if err != nil || mb.Messages != 4 {
		t.Fatalf("INBOX = %+v, %v; want 4 messages", mb, err)
	}
	mustCheckClean(t, s)
}

// While another index writer waits, the committer commits its index
// transaction after every group instead of holding the write lock for up
// to indexMaxAge.
func TestCommitterYieldsToWaitingWriters(t *testing.T) {
	s := openTest(t, Options{})
	appendN := func(n int) int64 {
		before := s.indexCommits.Load()
		appendInbox(t, s, 0, n, 500)
		return s.indexCommits.Load() - before
	}
	appendN(1) // creates INBOX
	s.writers.Add(1)
	waiting := appendN(20)
	s.writers.Add(-1)
	alone := appendN(20)
	if waiting < 19 {
		t.Errorf("%d index commits for 20 appends while a writer waited, want one per group", waiting)
	}
	if alone >= waiting {
		t.Errorf("%d index commits for 20 appends with no writer waiting, %d with one: the transaction should be held", alone, waiting)
	}
}

// A group whose record lost a refused placement (over quota) replays as it
// was acknowledged: the record and its commit record name the same
// placements.
func TestReplayOfARefusedPlacement(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var hold atomic.Bool
	s, err := Open(Options{DataDir: dir, hooks: holdIndex(&hold)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"ok", "full"} {
		if _, err := s.Append(ctx, a, "INBOX", testMessage(0, 500), 0, nil, time.Time{}, Quota{}); err != nil {
			t.Fatal(err)
		}
	}
	hold.Store(true)
	_, placed, err := s.Deliver(ctx, testMessage(1, 500), Delivery{Targets: []Target{
		{Account: "full", Mailbox: "INBOX", Quota: Quota{Messages: 1}},
		{Account: "ok", Mailbox: "INBOX", Flags: FlagFlagged},
	}})
	if err != nil || !errors.Is(placed[0].Err, ErrOverQuota) || placed[1].Err != nil {
		t.Fatalf("Deliver = %+v, %v; want the first target over quota", placed, err)
	}
	if _, err := s.Append(ctx, "ok", "INBOX", testMessage(2, 500), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, Options{DataDir: dir})
	for account, want := range map[string]uint32{"ok": 3, "full": 1} {
		mb, err := s.GetMailbox(account, "INBOX")
		if err != nil || mb.Messages != want {
			t.Fatalf("%s's INBOX after replay: %+v, %v; want %d messages", account, mb, err, want)
		}
	}
	if mi, err := s.Message(placed[1].Mailbox, placed[1].UID); err != nil || mi.Flags != FlagFlagged {
		t.Fatalf("the accepted placement after replay = %+v, %v", mi, err)
	}
	mustCheckClean(t, s)
}
