package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"
)

func openTest(t testing.TB, o Options) *Store {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	s, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testMessage(i int, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: a@example.org\r\nTo: b@example.org\r\nSubject: message %d\r\nMessage-ID: <%d@example.org>\r\n\r\n", i, i)
	for b.Len() < size {
		fmt.Fprintf(&b, "line %d of message %d\r\n", b.Len(), i)
	}
	return b.Bytes()
}

func readAll(t testing.TB, s *Store, g GUID) []byte {
	t.Helper()
	r, err := s.OpenMessage(g)
	if err != nil {
		t.Fatalf("OpenMessage(%s): %v", g, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", g, err)
	}
	return b
}

func mustCheckClean(t testing.TB, s *Store) {
	t.Helper()
	res, err := s.Check(context.Background(), CheckOptions{})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	for _, p := range res.Problems {
		t.Errorf("check problem: %s", p)
	}
}

func TestDeliverSingleInstance(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	body := testMessage(1, 2000)
	guid, placed, err := s.Deliver(ctx, body, Delivery{Targets: []Target{
		{Account: "a@example.org"}, {Account: "b@example.org"}, {Account: "c@example.org", Mailbox: "Missing"},
	}})
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if placed[0].Err != nil || placed[1].Err != nil || placed[0].UID != 1 || placed[1].UID != 1 {
		t.Fatalf("placed = %+v, want two UID 1", placed)
	}
	if !errors.Is(placed[2].Err, ErrNoMailbox) {
		t.Fatalf("placed[2].Err = %v, want ErrNoMailbox", placed[2].Err)
	}
	if got := readAll(t, s, guid); !bytes.Equal(got, body) {
		t.Fatalf("body differs")
	}
	for _, a := range []string{"a@example.org", "b@example.org"} {
		u, err := s.Usage(a)
		if err != nil || u.Bytes != int64(len(body)) || u.Messages != 1 {
			t.Fatalf("Usage(%s) = %+v, %v", a, u, err)
		}
	}
	mustCheckClean(t, s)
}

func TestConcurrentAppendsGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{ContainerSize: 1 << 20})
	const workers, each = 16, 40
	var wg sync.WaitGroup
	guids := make([][]GUID, workers)
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				p, err := s.Append(ctx, fmt.Sprintf("u%d@example.org", w%4), "INBOX", testMessage(w*1000+i, 8192), 0, nil, time.Time{}, Quota{})
				if err != nil {
					errs <- err
					return
				}
				info, err := s.Message(p.Mailbox, p.UID)
				if err != nil {
					errs <- err
					return
				}
				guids[w] = append(guids[w], info.GUID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("append: %v", err)
	}
	for w := range workers {
		for i, g := range guids[w] {
			if got := readAll(t, s, g); !bytes.Equal(got, testMessage(w*1000+i, 8192)) {
				t.Fatalf("message %d/%d differs", w, i)
			}
		}
	}
	var n uint32
	for a := range 4 {
		mb, err := s.GetMailbox(fmt.Sprintf("u%d@example.org", a), "inbox")
		if err != nil {
			t.Fatal(err)
		}
		n += mb.Messages
		uids, err := s.UIDs(mb.ID)
		if err != nil || len(uids) != int(mb.Messages) || uids[len(uids)-1] != mb.UIDNext-1 {
			t.Fatalf("UIDs = %d (err %v), mailbox %+v", len(uids), err, mb)
		}
	}
	if n != workers*each {
		t.Fatalf("messages = %d, want %d", n, workers*each)
	}
	if len(s.files) < 2 {
		t.Fatalf("containers = %d, want the 1 MiB limit to have sealed some", len(s.files))
	}
	mustCheckClean(t, s)
}

func TestMailboxOperations(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	const a = "a@example.org"
	for _, name := range []string{"Work", "Work/2025", "Work/2025/Q1", "Archive"} {
		if _, err := s.CreateMailbox(ctx, a, name, MailboxOptions{Subscribed: true}); err != nil {
			t.Fatalf("CreateMailbox(%q): %v", name, err)
		}
	}
	if _, err := s.CreateMailbox(ctx, a, "Work", MailboxOptions{}); !errors.Is(err, ErrMailboxExists) {
		t.Fatalf("second CreateMailbox = %v, want ErrMailboxExists", err)
	}
	for _, bad := range []string{"", "a//b", "/x", "x/", "a*b"} {
		if _, err := s.CreateMailbox(ctx, a, bad, MailboxOptions{}); !errors.Is(err, ErrBadName) {
			t.Errorf("CreateMailbox(%q) = %v, want ErrBadName", bad, err)
		}
	}
	p, err := s.Append(ctx, a, "Work/2025", testMessage(1, 100), FlagSeen, []string{"$Label1"}, time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), Quota{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.MailboxByID(p.Mailbox)
	if err := s.RenameMailbox(ctx, a, "Work", "Jobs"); err != nil {
		t.Fatalf("RenameMailbox: %v", err)
	}
	mbs, err := s.ListMailboxes(a)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range mbs {
		names = append(names, m.Name)
	}
	if got, want := fmt.Sprint(names), "[Archive Jobs Jobs/2025 Jobs/2025/Q1]"; got != want {
		t.Fatalf("names after rename = %s, want %s", got, want)
	}
	after, err := s.GetMailbox(a, "Jobs/2025")
	if err != nil || after.ID != before.ID || after.UIDValidity != before.UIDValidity || after.Messages != 1 {
		t.Fatalf("renamed mailbox = %+v, %v; before %+v", after, err, before)
	}
	info, err := s.Message(after.ID, p.UID)
	if err != nil || info.Flags != FlagSeen || info.Keywords[0] != "$Label1" || info.InternalDate.Unix() != 1577930645 {
		t.Fatalf("Message = %+v, %v", info, err)
	}
	if _, off := info.InternalDate.Zone(); off != 3600 {
		t.Fatalf("internal date zone %d, want 3600", off)
	}
	// Renaming INBOX moves its messages and leaves an empty INBOX.
	if _, err := s.Append(ctx, a, "INBOX", testMessage(2, 100), 0, nil, time.Time{}, Quota{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameMailbox(ctx, a, "inbox", "Old"); err != nil {
		t.Fatal(err)
	}
	old, _ := s.GetMailbox(a, "Old")
	inbox, err := s.GetMailbox(a, "INBOX")
	if err != nil || old.Messages != 1 || inbox.Messages != 0 {
		t.Fatalf("after INBOX rename: Old %+v INBOX %+v %v", old, inbox, err)
	}
	if err := s.DeleteMailbox(ctx, a, "INBOX"); !errors.Is(err, ErrBadName) {
		t.Fatalf("DeleteMailbox(INBOX) = %v", err)
	}
	if err := s.DeleteMailbox(ctx, a, "Jobs/2025"); err != nil {
		t.Fatal(err)
	}
	u, _ := s.Usage(a)
	if u.Messages != 1 {
		t.Fatalf("usage after delete = %+v, want 1 message", u)
	}
	mustCheckClean(t, s)
}

func TestFlagsCopyMoveExpunge(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	const a = "a@example.org"
	var uids []uint32
	var inbox MailboxID
	for i := range 5 {
		p, err := s.Append(ctx, a, "INBOX", testMessage(i, 300), 0, nil, time.Time{}, Quota{})
		if err != nil {
			t.Fatal(err)
		}
		uids, inbox = append(uids, p.UID), p.Mailbox
	}
	w := s.Watch(a)
	defer w.Close()
	upd, failed, err := s.StoreFlags(ctx, inbox, uids[:2], FlagsAdd, FlagSeen|FlagDeleted, []string{"k1"}, 0)
	if err != nil || len(upd) != 2 || len(failed) != 0 {
		t.Fatalf("StoreFlags = %v %v %v", upd, failed, err)
	}
	// CONDSTORE: UNCHANGEDSINCE below the current MODSEQ fails.
	_, failed, err = s.StoreFlags(ctx, inbox, uids[:1], FlagsRemove, FlagSeen, nil, 1)
	if err != nil || len(failed) != 1 {
		t.Fatalf("conditional StoreFlags failed = %v, %v", failed, err)
	}
	select {
	case cs := <-w.C:
		if len(cs) != 2 || cs[0].Kind != ChangeFlags {
			t.Fatalf("changes = %+v", cs)
		}
	case <-time.After(time.Second):
		t.Fatal("no change notification")
	}
	states, err := s.States(inbox)
	if err != nil || len(states) != 5 || states[0].Flags != FlagSeen|FlagDeleted || states[0].Keywords[0] != "k1" {
		t.Fatalf("States = %+v, %v", states, err)
	}
	arch, err := s.CreateMailbox(ctx, a, "Archive", MailboxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := s.Copy(ctx, inbox, []uint32{uids[2], uids[3]}, arch.ID, Quota{})
	if err != nil || len(pairs) != 2 || pairs[0].Dst != 1 {
		t.Fatalf("Copy = %v, %v", pairs, err)
	}
	if _, err := s.Copy(ctx, inbox, uids, arch.ID, Quota{Messages: 8}); !errors.Is(err, ErrOverQuota) {
		t.Fatalf("Copy over quota = %v", err)
	}
	pairs, err = s.Move(ctx, inbox, []uint32{uids[4]}, arch.ID)
	if err != nil || len(pairs) != 1 || pairs[0].Dst != 3 {
		t.Fatalf("Move = %v, %v", pairs, err)
	}
	gone, err := s.Expunge(ctx, inbox, nil)
	if err != nil || fmt.Sprint(gone) != fmt.Sprint(uids[:2]) {
		t.Fatalf("Expunge = %v, %v", gone, err)
	}
	mb, _ := s.MailboxByID(inbox)
	if mb.Messages != 2 || mb.Deleted != 0 || mb.Unseen != 2 {
		t.Fatalf("INBOX = %+v", mb)
	}
	u, _ := s.Usage(a)
	if u.Messages != 5 {
		t.Fatalf("usage = %+v, want 5 messages", u)
	}
	states, _ = s.States(inbox)
	if len(states) != 2 {
		t.Fatalf("cached states after expunge = %d, want 2", len(states))
	}
	mustCheckClean(t, s)
}

func TestQuota(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	q := Quota{Bytes: 1000}
	if _, err := s.Append(ctx, "a", "INBOX", testMessage(1, 600), 0, nil, time.Time{}, q); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "a", "INBOX", testMessage(2, 600), 0, nil, time.Time{}, q); !errors.Is(err, ErrOverQuota) {
		t.Fatalf("second append = %v, want ErrOverQuota", err)
	}
	mustCheckClean(t, s)
}

// Deliver after Close fails at once instead of waiting for a committer
// that is gone.
func TestDeliverAfterClose(t *testing.T) {
	s := openTest(t, Options{})
	s.Close()
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(context.Background(), "a", "INBOX", testMessage(1, 100), 0, nil, time.Time{}, Quota{})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Append after Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Append after Close hangs")
	}
}
