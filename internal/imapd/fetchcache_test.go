package imapd

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/axmail/axmail/internal/store"
)

// cacheMailbox is the mailbox of the FETCH-from-cache tests: 48 messages,
// so that a set of 3 or more reads the hot cache and one of 1 or 2 the
// index (cacheFetchShare).
const cacheMailbox = 48

// fillFlagged appends cacheMailbox messages to alice's INBOX through the
// store, with system flags and keywords that vary from message to
// message, and a later flag change for some (their MODSEQs then differ).
func fillFlagged(t *testing.T, e *testEnv) store.MailboxID {
	t.Helper()
	ctx := context.Background()
	for i := 1; i <= cacheMailbox; i++ {
		var f store.Flags
		if i%2 == 0 {
			f |= store.FlagSeen
		}
		if i%5 == 0 {
			f |= store.FlagFlagged | store.FlagAnswered
		}
		if i%7 == 0 {
			f |= store.FlagForwarded
		}
		var kw []string
		if i%3 == 0 {
			kw = []string{"$Label1", "Work"}
		}
		body := fmt.Appendf(nil, "From: a@example.org\r\nSubject: m%d\r\n\r\nbody %d\r\n", i, i)
		if _, err := e.st.Append(ctx, alice, store.Inbox, body, f, kw, time.Time{}, store.Quota{}); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	mb := mustMailbox(t, e, "INBOX")
	if _, _, err := e.st.StoreFlags(ctx, mb, []uint32{4, 11, 30}, store.FlagsAdd, store.FlagDeleted, []string{"Later"}, 0); err != nil {
		t.Fatalf("StoreFlags: %v", err)
	}
	return mb
}

// fetchLines is what FETCH (UID FLAGS) must answer for the given view
// (UIDs in order) and sequence numbers, from the index (store.Message,
// not the hot cache): with MODSEQ when modSeq.
func fetchLines(t *testing.T, e *testEnv, mb store.MailboxID, view []uint32, seqs []int, modSeq bool) []string {
	t.Helper()
	var out []string
	for _, seq := range seqs {
		uid := view[seq-1]
		info, err := e.st.Message(mb, uid)
		if err != nil {
			t.Fatalf("Message(%d): %v", uid, err)
		}
		var flags []string
		for _, f := range imapFlags(info.Flags, info.Keywords) {
			flags = append(flags, string(f))
		}
		l := fmt.Sprintf("* %d FETCH (UID %d FLAGS (%s)", seq, uid, strings.Join(flags, " "))
		if modSeq {
			l += fmt.Sprintf(" MODSEQ (%d)", info.ModSeq)
		}
		out = append(out, l+")")
	}
	return out
}

func seqRange(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// TestFetchFlagsFromCache: FETCH of UID, FLAGS and MODSEQ over much of the
// mailbox reads the hot cache and answers what the index holds, the
// flags in the order FETCH of one message (the index path) gives them;
// keywords included, \Recent never, MODSEQ once CONDSTORE is enabled.
func TestFetchFlagsFromCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	mb := fillFlagged(t, e)
	// Messages gone before SELECT: the view has gaps in its UIDs.
	if _, err := e.st.Remove(context.Background(), mb, []uint32{6, 7, 8, 40}); err != nil {
		t.Fatal(err)
	}
	view, err := e.st.UIDs(mb)
	if err != nil {
		t.Fatal(err)
	}
	all := seqRange(1, len(view))

	c := e.login(alice)
	c.ok("SELECT INBOX")
	u := c.ok("FETCH 1:* (UID FLAGS)")
	if want := fetchLines(t, e, mb, view, all, false); !reflect.DeepEqual(u, want) {
		t.Errorf("FETCH 1:* (UID FLAGS) =\n%s\nwant\n%s", strings.Join(u, "\n"), strings.Join(want, "\n"))
	}
	if !hasLine(u, "* 3 FETCH (UID 3 FLAGS ($Label1 Work))") || !hasLine(u, `(UID 10 FLAGS (\Seen \Answered \Flagged))`) ||
		!hasLine(u, `(UID 4 FLAGS (\Seen \Deleted Later))`) || !hasLine(u, `(UID 30 FLAGS (\Seen \Answered \Flagged \Deleted $Label1 Later Work))`) {
		t.Errorf("FETCH 1:* (UID FLAGS) lacks flags or keywords: %q", u)
	}
	if hasLine(u, `\Recent`) {
		t.Errorf("FETCH 1:* (UID FLAGS) has \\Recent: %q", u)
	}

	// Each message alone (the index path) gives the same line.
	for _, seq := range []int{1, 3, 4, 10, 26, len(view)} {
		if got, want := c.ok("FETCH %d (UID FLAGS)", seq), fetchLines(t, e, mb, view, []int{seq}, false); !reflect.DeepEqual(got, want) {
			t.Errorf("FETCH %d (UID FLAGS) = %q, want %q", seq, got, want)
		}
	}

	// FLAGS alone: no UID, as asked.
	u = c.ok("FETCH 2:5 FLAGS")
	if len(u) != 4 || u[0] != `* 2 FETCH (FLAGS (\Seen))` || hasLine(u, "UID") {
		t.Errorf("FETCH 2:5 FLAGS = %q", u)
	}

	// UID FETCH with a UID set: only those UIDs (the removed ones
	// ignored), with their sequence numbers.
	u = c.ok("UID FETCH 2:9,20,25:28,47:* FLAGS")
	var seqs []int
	for i, uid := range view {
		if uid >= 2 && uid <= 9 || uid == 20 || uid >= 25 && uid <= 28 || uid >= 47 {
			seqs = append(seqs, i+1)
		}
	}
	if want := fetchLines(t, e, mb, view, seqs, false); !reflect.DeepEqual(u, want) {
		t.Errorf("UID FETCH 2:9,20,25:28,47:* FLAGS =\n%s\nwant\n%s", strings.Join(u, "\n"), strings.Join(want, "\n"))
	}

	// Once CONDSTORE is enabled, MODSEQ comes with FLAGS.
	c.ok("ENABLE CONDSTORE")
	u = c.ok("FETCH 1:* (UID FLAGS)")
	if want := fetchLines(t, e, mb, view, all, true); !reflect.DeepEqual(u, want) {
		t.Errorf("FETCH 1:* (UID FLAGS) with CONDSTORE =\n%s\nwant\n%s", strings.Join(u, "\n"), strings.Join(want, "\n"))
	}
	// UIDs 4, 11 and 30 changed after the last message was stored.
	u = c.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)", modSeqOf(t, u[len(u)-1]))
	if want := fetchLines(t, e, mb, view, []int{4, 8, 27}, true); !reflect.DeepEqual(u, want) {
		t.Errorf("UID FETCH 1:* (FLAGS) (CHANGEDSINCE) = %q, want %q", u, want)
	}
}

// TestFetchFlagsExpunged: messages expunged by another session after
// SELECT are left out of FETCH 1:* (UID FLAGS), the others keep their
// sequence numbers, the reply says EXPUNGEISSUED, and the EXPUNGEs come
// only after a command that allows them.
func TestFetchFlagsExpunged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	mb := fillFlagged(t, e)
	view, err := e.st.UIDs(mb)
	if err != nil {
		t.Fatal(err)
	}
	c := e.login(alice)
	c.ok("SELECT INBOX")
	other := e.login(alice)
	other.ok("SELECT INBOX")
	other.ok("STORE 11:13 +FLAGS.SILENT (\\Deleted)")
	other.ok("EXPUNGE") // 4, 11, 12, 13 and 30 go

	u, tagged := c.do("FETCH 1:* (UID FLAGS)")
	if !strings.HasPrefix(tagged, "OK [EXPUNGEISSUED]") {
		t.Errorf("FETCH 1:* after another session's EXPUNGE: %q, want OK [EXPUNGEISSUED]", tagged)
	}
	gone := []uint32{4, 11, 12, 13, 30}
	var seqs []int
	for i, uid := range view {
		if !slices.Contains(gone, uid) {
			seqs = append(seqs, i+1)
		}
	}
	var fetched []string
	for _, l := range u {
		if strings.Contains(l, "EXPUNGE") {
			t.Errorf("EXPUNGE during FETCH: %q", l)
			continue
		}
		fetched = append(fetched, l)
	}
	if want := fetchLines(t, e, mb, view, seqs, false); !reflect.DeepEqual(fetched, want) {
		t.Errorf("FETCH 1:* (UID FLAGS) =\n%s\nwant\n%s", strings.Join(fetched, "\n"), strings.Join(want, "\n"))
	}

	// UID FETCH of the gone ones: nothing, and the session goes on.
	u, tagged = c.do("UID FETCH 11:13 (FLAGS)")
	if hasLine(u, "FETCH (") || !strings.HasPrefix(tagged, "OK") {
		t.Errorf("UID FETCH 11:13 of expunged messages = %q %q", u, tagged)
	}
	if u := c.ok("NOOP"); strings.Count(strings.Join(u, "\n"), " EXPUNGE") != len(gone) {
		t.Errorf("NOOP = %q, want %d EXPUNGEs", u, len(gone))
	}
}

// TestFetchFlagsTold: flags another session changed, which FETCH 1:*
// (UID FLAGS) reported from the cache, are not repeated after the command
// or by NOOP (the view records what the client was told); a change after
// that FETCH is.
func TestFetchFlagsTold(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	fillFlagged(t, e)
	c := e.login(alice)
	c.ok("ENABLE CONDSTORE")
	c.ok("SELECT INBOX")
	other := e.login(alice)
	other.ok("SELECT INBOX")
	other.ok("STORE 9 +FLAGS.SILENT (Urgent)")

	u := c.ok("FETCH 1:* (UID FLAGS)")
	if len(u) != cacheMailbox || !hasLine(u, "* 9 FETCH (UID 9 FLAGS (Urgent $Label1 Work) MODSEQ (") &&
		!hasLine(u, "* 9 FETCH (UID 9 FLAGS ($Label1 Urgent Work) MODSEQ (") && !hasLine(u, "* 9 FETCH (UID 9 FLAGS ($Label1 Work Urgent) MODSEQ (") {
		t.Errorf("FETCH 1:* after another session's STORE: %d lines, message 9: %q", len(u), u[8])
	}
	if u := c.ok("NOOP"); len(u) != 0 {
		t.Errorf("NOOP repeats what FETCH told: %q", u)
	}
	other.ok("STORE 9 -FLAGS.SILENT (Urgent)")
	if u := c.ok("NOOP"); len(u) != 1 || !strings.HasPrefix(u[0], "* 9 FETCH (") || strings.Contains(u[0], "Urgent") {
		t.Errorf("NOOP after another change = %q, want message 9's new flags", u)
	}
}

func TestCacheFetch(t *testing.T) {
	flags := &imap.FetchOptions{UID: true, Flags: true, ModSeq: true}
	for _, tc := range []struct {
		name    string
		o       *imap.FetchOptions
		n, size int
		want    bool
	}{
		{"all", flags, 100_000, 100_000, true},
		{"a sixteenth", flags, 100, 1600, true},
		{"less", flags, 99, 1600, false},
		{"none", flags, 0, 0, false},
		{"internaldate", &imap.FetchOptions{Flags: true, InternalDate: true}, 10, 10, false},
		{"size", &imap.FetchOptions{RFC822Size: true}, 10, 10, false},
		{"envelope", &imap.FetchOptions{Flags: true, Envelope: true}, 10, 10, false},
		{"bodystructure", &imap.FetchOptions{BodyStructure: &imap.FetchItemBodyStructure{}}, 10, 10, false},
		{"body", &imap.FetchOptions{Flags: true, BodySection: []*imap.FetchItemBodySection{{}}}, 10, 10, false},
		{"binary", &imap.FetchOptions{BinarySection: []*imap.FetchItemBinarySection{{}}}, 10, 10, false},
		{"binary size", &imap.FetchOptions{BinarySectionSize: []*imap.FetchItemBinarySectionSize{{}}}, 10, 10, false},
	} {
		if got := cacheFetch(tc.o, tc.n, tc.size); got != tc.want {
			t.Errorf("%s: cacheFetch(%d of %d) = %v, want %v", tc.name, tc.n, tc.size, got, tc.want)
		}
	}
}

func TestCachedInfos(t *testing.T) {
	states := []store.MessageState{
		{UID: 2, Flags: store.FlagSeen, ModSeq: 5},
		{UID: 3, ModSeq: 6, Keywords: []string{"k"}},
		{UID: 7, ModSeq: 7},
		{UID: 9, ModSeq: 8},
		{UID: 20, ModSeq: 9},
	}
	info := func(st store.MessageState) store.MessageInfo {
		return store.MessageInfo{UID: st.UID, Flags: st.Flags, Keywords: st.Keywords, ModSeq: st.ModSeq}
	}
	for _, tc := range []struct {
		name string
		uids []uint32
		want []store.MessageInfo
		rest int // states left for the next chunk
	}{
		{"dense", []uint32{2, 3}, []store.MessageInfo{info(states[0]), info(states[1])}, 3},
		{"gaps", []uint32{1, 3, 5, 9}, []store.MessageInfo{{}, info(states[1]), {}, info(states[3])}, 1},
		{"beyond", []uint32{20, 21, 30}, []store.MessageInfo{info(states[4]), {}, {}}, 0},
		{"none", []uint32{4, 5, 6}, []store.MessageInfo{{}, {}, {}}, 3},
	} {
		dst := make([]store.MessageInfo, 1, 8)
		dst[0] = store.MessageInfo{UID: 99} // stale: cleared
		got, rest := cachedInfos(dst, tc.uids, states)
		if !reflect.DeepEqual(got, tc.want) || len(rest) != tc.rest {
			t.Errorf("%s: cachedInfos(%v) = %+v, %d left; want %+v, %d left", tc.name, tc.uids, got, len(rest), tc.want, tc.rest)
		}
	}
}

func TestFetchFlagsTable(t *testing.T) {
	for bits := store.Flags(0); bits < 1<<len(systemFlags); bits++ {
		var f store.Flags
		for i, s := range systemFlags {
			if bits&(1<<i) != 0 {
				f |= s.bit
			}
		}
		if got, want := fetchFlags(f, nil), imapFlags(f, nil); !slices.Equal(got, want) {
			t.Errorf("fetchFlags(%v) = %v, want %v", f, got, want)
		}
	}
	kw := []string{"$Label1", "Work"}
	if got, want := fetchFlags(store.FlagSeen, kw), imapFlags(store.FlagSeen, kw); !slices.Equal(got, want) {
		t.Errorf("fetchFlags with keywords = %v, want %v", got, want)
	}
}
