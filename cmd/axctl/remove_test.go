package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/mailtest"
	"github.com/axmail/axmail/internal/store"
	"github.com/axmail/axmail/internal/storeconf"
)

// openStoreOffline opens a data dir's store while no axd runs.
func openStoreOffline(t *testing.T, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(store.Options{DataDir: dir, Summarize: storeconf.Summarize})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mailFor(to string, i int) []byte {
	return fmt.Appendf(nil, "From: sender@remote.example\r\nTo: %s\r\nSubject: test %d\r\nMessage-ID: <%d.%s>\r\n\r\n%s\r\n",
		to, i, i, to, strings.Repeat("body line\r\n", 20))
}

// account remove and domain remove --force delete the accounts'
// mailboxes. No protocol listener exists yet to deliver through axd, so
// the mail is appended offline while axd is stopped and the store is read
// offline after it stops.
func TestRemoveDeletesMailboxes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mail := map[string][]string{ // account -> a mailbox per message
		"bob@rm.example":     {"INBOX", "INBOX", "Archive"},
		"carol@rm.example":   {"INBOX"},
		"dave@keep.example":  {"INBOX", "Sent"},
		"erin@other.example": {"INBOX"},
	}
	// The accounts exist first: a new account clears mailboxes it finds
	// under its name (left by a removal cut short).
	d := startAxd(t, mailtest.Options{DataDir: dir})
	for _, dom := range []string{"rm.example", "keep.example", "other.example"} {
		d.quiet(t, "domain", "add", dom)
	}
	for acct := range mail {
		d.quiet(t, "account", "add", acct)
	}
	d.Stop(t)
	s := openStoreOffline(t, dir)
	ctx := context.Background()
	for acct, boxes := range mail {
		for i, mb := range boxes {
			if mb != "INBOX" { // delivery creates INBOX only
				if _, err := s.CreateMailbox(ctx, acct, mb, store.MailboxOptions{}); err != nil && !errors.Is(err, store.ErrMailboxExists) {
					t.Fatal(err)
				}
			}
			if _, err := s.Append(ctx, acct, mb, mailFor(acct, i), 0, nil, time.Time{}, store.Quota{}); err != nil {
				t.Fatalf("append to %s %s: %v", acct, mb, err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	d = startAxd(t, mailtest.Options{DataDir: dir})
	d.quiet(t, "alias", "add", "@rm.example", "bob@rm.example")
	for acct, boxes := range mail {
		var info control.AccountInfo
		d.decode(t, &info, "account", "show", acct)
		if info.Usage.Messages != int64(len(boxes)) || info.Usage.Bytes == 0 {
			t.Errorf("account show %s: usage %+v, want %d messages", acct, info.Usage, len(boxes))
		}
	}
	if got := showField(d.ok(t, "account", "show", "bob@rm.example"), "usage"); !strings.HasSuffix(got, " in 3 messages") || strings.HasPrefix(got, "0 ") {
		t.Errorf("account show: usage %q, want bytes in 3 messages", got)
	}

	d.quiet(t, "account", "remove", "Erin@other.example")
	d.refuse(t, 70, "conflict", "domain", "remove", "rm.example")
	d.quiet(t, "domain", "remove", "rm.example", "--force")
	// A new account of a removed one's name starts empty.
	d.quiet(t, "domain", "add", "rm.example")
	d.quiet(t, "account", "add", "bob@rm.example")
	d.quiet(t, "account", "add", "erin@other.example")
	for _, acct := range []string{"bob@rm.example", "erin@other.example"} {
		var info control.AccountInfo
		d.decode(t, &info, "account", "show", acct)
		if info.Usage.Messages != 0 || info.Usage.Bytes != 0 {
			t.Errorf("account show of a re-created %s: usage %+v, want none", acct, info.Usage)
		}
	}
	if out := d.ok(t, "check"); !strings.HasSuffix(out, " 2 messages in 2 mailboxes: 0 problems\n") {
		t.Errorf("check after removals:\n%s", out)
	}
	var cr store.CompactResult
	d.decode(t, &cr, "compact", "--threshold", "1")
	if cr.Compacted == 0 || cr.Reclaimed == 0 {
		t.Errorf("compact --threshold 1 after removals = %+v, want the dead mail reclaimed", cr)
	}
	d.Stop(t)

	s = openStoreOffline(t, dir)
	defer s.Close()
	for acct, want := range map[string]int{"bob@rm.example": 0, "carol@rm.example": 0, "erin@other.example": 0, "dave@keep.example": 2} {
		mbs, err := s.ListMailboxes(acct)
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.Usage(acct)
		if err != nil {
			t.Fatal(err)
		}
		if len(mbs) != want || u.Messages != int64(want) {
			t.Errorf("store after removal: %s has %d mailboxes and %d messages, want %d", acct, len(mbs), u.Messages, want)
		}
	}
	accts, err := s.Accounts()
	if err != nil || strings.Join(accts, " ") != "dave@keep.example" {
		t.Errorf("store accounts after removal = %q, %v; want only dave@keep.example", accts, err)
	}
	res, err := s.Check(ctx, store.CheckOptions{})
	if err != nil || len(res.Problems) != 0 || res.Messages != 2 {
		t.Errorf("offline check after removal = %+v, %v", res, err)
	}
}

// Mailboxes left under an address by a removal cut short (account gone
// from the directory, mail still in the store) never reach the next
// account of that name, whether added one by one or by import.
func TestNewAccountDoesNotInheritStaleMail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openStoreOffline(t, dir)
	ctx := context.Background()
	for i, acct := range []string{"old@stale.example", "imported@stale.example"} {
		if _, err := s.Append(ctx, acct, "INBOX", mailFor(acct, i), 0, nil, time.Time{}, store.Quota{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	d := startAxd(t, mailtest.Options{DataDir: dir, Config: "auth:\n  scheme: bcrypt\n  bcrypt_cost: 4\n"})
	d.quiet(t, "domain", "add", "stale.example")
	d.quiet(t, "account", "add", "old@stale.example")
	csv := "email\nimported@stale.example\n"
	if _, errOut, code := d.run(t, csv, "import", "-"); code != 0 {
		t.Fatalf("import = %d, %q", code, errOut)
	}
	for _, acct := range []string{"old@stale.example", "imported@stale.example"} {
		var info control.AccountInfo
		d.decode(t, &info, "account", "show", acct, "--json")
		if info.Usage.Messages != 0 {
			t.Fatalf("%s inherited %d messages of a removed account", acct, info.Usage.Messages)
		}
	}
}
