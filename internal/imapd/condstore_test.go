package imapd

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/store"
)

var modSeqRE = regexp.MustCompile(`MODSEQ \(?(\d+)\)?`)

// modSeqOf returns the MODSEQ in line, failing the test without one.
func modSeqOf(t *testing.T, line string) uint64 {
	t.Helper()
	m := modSeqRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no MODSEQ in %q", line)
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

// mustMailbox returns the ID of alice's mailbox name.
func mustMailbox(t *testing.T, e *testEnv, name string) store.MailboxID {
	t.Helper()
	mb, err := e.st.GetMailbox(alice, name)
	if err != nil {
		t.Fatalf("GetMailbox(%q): %v", name, err)
	}
	return mb.ID
}

// highestModSeq returns the HIGHESTMODSEQ of a SELECT's or STATUS's lines.
func highestModSeq(t *testing.T, lines []string) uint64 {
	t.Helper()
	re := regexp.MustCompile(`HIGHESTMODSEQ (\d+)`)
	for _, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			n, _ := strconv.ParseUint(m[1], 10, 64)
			return n
		}
	}
	t.Fatalf("no HIGHESTMODSEQ in %q", lines)
	return 0
}

// TestCondStoreRaw drives every CONDSTORE item over raw lines (RFC 7162
// §3.1).
func TestCondStoreRaw(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	if u := c.ok("CAPABILITY"); !hasLine(u, " CONDSTORE") {
		t.Errorf("CAPABILITY = %q, want CONDSTORE", u)
	}
	fill(t, c, 3) // UIDs 1..3
	c.ok("UNSELECT")

	// Every SELECT and EXAMINE tells HIGHESTMODSEQ, CONDSTORE or not.
	u := c.ok("EXAMINE INBOX")
	hms := highestModSeq(t, u)
	u = c.ok("SELECT INBOX")
	if got := highestModSeq(t, u); got != hms {
		t.Errorf("SELECT HIGHESTMODSEQ %d, EXAMINE %d", got, hms)
	}
	if mb, _ := e.st.GetMailbox(alice, "INBOX"); mb.HighestModSeq != hms {
		t.Errorf("HIGHESTMODSEQ %d, store has %d", hms, mb.HighestModSeq)
	}
	// Not enabled yet: FLAGS comes alone.
	if u := c.ok("FETCH 1 (FLAGS)"); len(u) != 1 || strings.Contains(u[0], "MODSEQ") {
		t.Errorf("FETCH FLAGS before CONDSTORE = %q", u)
	}
	// FETCH MODSEQ enables it.
	u = c.ok("FETCH 1:3 (MODSEQ)")
	if len(u) != 3 {
		t.Fatalf("FETCH MODSEQ = %q", u)
	}
	m3 := modSeqOf(t, u[2])
	if m3 != hms {
		t.Errorf("MODSEQ of the last message %d, HIGHESTMODSEQ %d", m3, hms)
	}
	if u := c.ok("FETCH 1 (FLAGS)"); !hasLine(u, "FLAGS (", "MODSEQ (") {
		t.Errorf("FETCH FLAGS after CONDSTORE = %q, want MODSEQ too", u)
	}

	// STORE answers with MODSEQ; CHANGEDSINCE finds that message only.
	u = c.ok(`STORE 2 +FLAGS (\Flagged)`)
	if !hasLine(u, "* 2 FETCH (", `\Flagged`, "MODSEQ (") {
		t.Fatalf("STORE = %q", u)
	}
	m2 := modSeqOf(t, u[0])
	if m2 <= hms {
		t.Errorf("MODSEQ after STORE %d, not above %d", m2, hms)
	}
	u = c.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)", hms)
	if len(u) != 1 || !hasLine(u, "* 2 FETCH (", "MODSEQ ("+strconv.FormatUint(m2, 10)+")") {
		t.Errorf("FETCH CHANGEDSINCE %d = %q", hms, u)
	}
	u = c.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)", hms)
	if len(u) != 1 || !hasLine(u, "* 2 FETCH (", "UID 2", "MODSEQ (") {
		t.Errorf("UID FETCH CHANGEDSINCE %d = %q", hms, u)
	}
	if u := c.ok("FETCH 1:* (UID) (CHANGEDSINCE %d)", m2); len(u) != 0 {
		t.Errorf("FETCH CHANGEDSINCE %d (nothing newer) = %q", m2, u)
	}

	// UNCHANGEDSINCE: 1 and 3 pass, 2 changed since hms and fails.
	u, tagged := c.do(`STORE 1:3 (UNCHANGEDSINCE %d) +FLAGS (\Answered)`, hms)
	if !strings.HasPrefix(tagged, "OK [MODIFIED 2]") {
		t.Errorf("conditional STORE = %q, want OK [MODIFIED 2]", tagged)
	}
	if len(u) != 2 || !hasLine(u, "* 1 FETCH (", `\Answered`, "MODSEQ (") || !hasLine(u, "* 3 FETCH (", `\Answered`) || hasLine(u, "* 2 FETCH") {
		t.Errorf("conditional STORE untagged = %q", u)
	}
	if info, _ := e.st.Message(mustMailbox(t, e, "INBOX"), 2); info.Flags&store.FlagAnswered != 0 {
		t.Errorf("message 2 changed despite failing UNCHANGEDSINCE: %+v", info)
	}
	// UID STORE lists UIDs; .SILENT still reports MODSEQ of what changed.
	hms2 := highestModSeq(t, c.ok("STATUS INBOX (HIGHESTMODSEQ)"))
	u, tagged = c.do(`UID STORE 1:3 (UNCHANGEDSINCE %d) +FLAGS.SILENT (\Seen)`, m2)
	if !strings.HasPrefix(tagged, "OK [MODIFIED 1,3]") {
		t.Errorf("UID STORE UNCHANGEDSINCE = %q, want OK [MODIFIED 1,3]", tagged)
	}
	if len(u) != 1 || !hasLine(u, "* 2 FETCH (UID 2 MODSEQ (") || hasLine(u, "FLAGS") {
		t.Errorf("silent conditional STORE untagged = %q", u)
	}
	if got := modSeqOf(t, u[0]); got <= hms2 {
		t.Errorf("MODSEQ %d after STORE, HIGHESTMODSEQ was %d", got, hms2)
	}

	// SEARCH MODSEQ: the messages at or above it and the highest MODSEQ.
	u = c.ok("SEARCH MODSEQ %d", m2)
	if len(u) != 1 || !regexp.MustCompile(`^\* SEARCH 1 2 3 \(MODSEQ \d+\)$`).MatchString(u[0]) {
		t.Errorf("SEARCH MODSEQ = %q", u)
	}
	top := modSeqOf(t, u[0])
	u = c.ok(`UID SEARCH MODSEQ "/flags/\\draft" all %d`, top)
	if len(u) != 1 || u[0] != "* SEARCH 2 (MODSEQ "+strconv.FormatUint(top, 10)+")" {
		t.Errorf("SEARCH MODSEQ with an entry = %q", u)
	}
	if u := c.ok("SEARCH MODSEQ %d", top+1); len(u) != 1 || u[0] != "* SEARCH" {
		t.Errorf("SEARCH MODSEQ above all = %q, want no MODSEQ", u)
	}
	u = c.ok("SEARCH RETURN (ALL COUNT) MODSEQ %d", m2)
	if len(u) != 1 || !strings.HasSuffix(u[0], "ALL 1:3 COUNT 3 MODSEQ "+strconv.FormatUint(top, 10)) {
		t.Errorf("ESEARCH MODSEQ = %q", u)
	}
	u = c.ok("SEARCH OR MODSEQ %d NOT MODSEQ 1 UNDELETED", top)
	if len(u) != 1 || u[0] != "* SEARCH 2 (MODSEQ "+strconv.FormatUint(top, 10)+")" {
		t.Errorf("SEARCH OR MODSEQ = %q", u)
	}

	// UNCHANGEDSINCE 0 fails for every message: nothing changes.
	u, tagged = c.do(`STORE 1:3 (UNCHANGEDSINCE 0) +FLAGS (\Draft)`)
	if !strings.HasPrefix(tagged, "OK [MODIFIED 1:3]") || len(u) != 0 {
		t.Errorf("STORE UNCHANGEDSINCE 0 = %q, %q, want OK [MODIFIED 1:3] alone", u, tagged)
	}
	if u := c.ok("SEARCH DRAFT"); len(u) != 1 || u[0] != "* SEARCH" {
		t.Errorf("SEARCH DRAFT after UNCHANGEDSINCE 0 = %q, want nothing", u)
	}

	// STATUS HIGHESTMODSEQ follows the store.
	mb, _ := e.st.GetMailbox(alice, "INBOX")
	if got := highestModSeq(t, c.ok("STATUS INBOX (MESSAGES HIGHESTMODSEQ)")); got != mb.HighestModSeq || got != top {
		t.Errorf("STATUS HIGHESTMODSEQ %d, store %d, SEARCH %d", got, mb.HighestModSeq, top)
	}
}

// TestCondStoreEnable checks the other enabling commands: ENABLE and
// SELECT (CONDSTORE) make FLAGS come with MODSEQ.
func TestCondStoreEnable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	fill(t, c, 1)
	c.ok("UNSELECT")
	if u := c.ok("ENABLE CONDSTORE"); !hasLine(u, "* ENABLED CONDSTORE") {
		t.Errorf("ENABLE CONDSTORE = %q", u)
	}
	c.ok("SELECT INBOX")
	if u := c.ok(`STORE 1 +FLAGS (\Seen)`); !hasLine(u, "MODSEQ (") {
		t.Errorf("STORE after ENABLE = %q", u)
	}

	d := e.login(alice)
	u := d.ok("SELECT INBOX (CONDSTORE)")
	if highestModSeq(t, u) == 0 {
		t.Errorf("SELECT (CONDSTORE) = %q", u)
	}
	if u := d.ok("FETCH 1 (FLAGS)"); !hasLine(u, "MODSEQ (") {
		t.Errorf("FETCH after SELECT (CONDSTORE) = %q", u)
	}
	// STATUS (HIGHESTMODSEQ) enables it too; STATUS without it does not.
	f := e.login(alice)
	f.ok("STATUS INBOX (MESSAGES)")
	f.ok("SELECT INBOX")
	if u := f.ok("FETCH 1 (FLAGS)"); hasLine(u, "MODSEQ") {
		t.Errorf("FETCH after STATUS (MESSAGES) = %q, want no MODSEQ", u)
	}
	f.ok("STATUS INBOX (HIGHESTMODSEQ)")
	if u := f.ok("FETCH 1 (FLAGS)"); !hasLine(u, "MODSEQ (") {
		t.Errorf("FETCH after STATUS (HIGHESTMODSEQ) = %q, want MODSEQ", u)
	}
}

// TestCondStoreTwoSessions: session B sees A's STORE with MODSEQ after
// NOOP and during IDLE, and B's conditional STORE that races A's change
// fails with MODIFIED.
func TestCondStoreTwoSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	a := e.login(alice)
	fill(t, a, 2)
	b := e.login(alice)
	b.ok("ENABLE CONDSTORE")
	hms := highestModSeq(t, b.ok("SELECT INBOX"))

	u := a.ok(`STORE 1 +FLAGS (\Flagged)`)
	if hasLine(u, "MODSEQ") {
		t.Errorf("A did not enable CONDSTORE but got %q", u)
	}
	u = b.ok("NOOP")
	if !hasLine(u, "* 1 FETCH (", `\Flagged`, "MODSEQ (") {
		t.Fatalf("B NOOP after A's STORE = %q", u)
	}
	if got := modSeqOf(t, u[0]); got <= hms {
		t.Errorf("pushed MODSEQ %d not above %d", got, hms)
	}

	// B read message 2 at hms; A changes it; B's conditional STORE loses.
	a.ok(`STORE 2 +FLAGS (\Deleted)`)
	u, tagged := b.do(`STORE 1:2 (UNCHANGEDSINCE %d) -FLAGS (\Deleted)`, hms)
	if !strings.HasPrefix(tagged, "OK [MODIFIED 1:2]") && !strings.HasPrefix(tagged, "OK [MODIFIED 1,2]") {
		t.Errorf("racing conditional STORE = %q (untagged %q), want MODIFIED 1 and 2", tagged, u)
	}
	if info, _ := e.st.Message(mustMailbox(t, e, "INBOX"), 2); info.Flags&store.FlagDeleted == 0 {
		t.Errorf("A's \\Deleted was undone by a failed conditional STORE: %+v", info)
	}
	// B learns A's change.
	if u := b.ok("NOOP"); !hasLine(u, "* 2 FETCH (", `\Deleted`, "MODSEQ (") {
		t.Errorf("B NOOP after the race = %q", u)
	}

	// IDLE: A's change arrives with MODSEQ.
	b.write("i1 IDLE\r\n")
	if l := b.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}
	a.ok(`STORE 2 -FLAGS.SILENT (\Deleted)`)
	if l := b.line(); !strings.HasPrefix(l, "* 2 FETCH (") || !strings.Contains(l, "MODSEQ (") || strings.Contains(l, `\Deleted`) {
		t.Errorf("IDLE after A's STORE: %q", l)
	}
	b.write("DONE\r\n")
	if _, tagged := b.until("i1"); !strings.HasPrefix(tagged, "OK") {
		t.Errorf("IDLE DONE: %q", tagged)
	}
}

// TestCondStoreMalformed: broken modifiers and MODSEQ keys get BAD, and the
// session goes on.
func TestCondStoreMalformed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	fill(t, c, 1)
	for i, line := range []string{
		"FETCH 1 (FLAGS) (CHANGEDSINCE x)",
		"FETCH 1 (FLAGS) (CHANGEDSINCE)",
		"FETCH 1 (FLAGS) (CHANGEDSINCE 0)",
		"FETCH 1 (FLAGS) (CHANGEDSINCE 99999999999999999999999)",
		"FETCH 1 (FLAGS) (BOGUS 1)",
		"FETCH 1 (FLAGS) (CHANGEDSINCE 1",
		"FETCH 1 (FLAGS) CHANGEDSINCE 1",
		`STORE 1 (UNCHANGEDSINCE) +FLAGS (\Seen)`,
		`STORE 1 (UNCHANGEDSINCE x) +FLAGS (\Seen)`,
		`STORE 1 (UNCHANGEDSINCE 5 +FLAGS (\Seen)`,
		`STORE 1 (UNCHANGEDSINCE 5)+FLAGS (\Seen)`,
		`STORE 1 (BOGUS 5) +FLAGS (\Seen)`,
		`STORE 1 () +FLAGS (\Seen)`,
		"SEARCH MODSEQ",
		"SEARCH MODSEQ x",
		`SEARCH MODSEQ "/flags/\\seen" 5`,
		`SEARCH MODSEQ "/flags/\\seen" bogus 5`,
		"SELECT INBOX (BOGUS)",
		"SELECT INBOX ()",
		"FETCH 1 (FLAGS) ()",
		"SELECT INBOX (CONDSTORE",
		"STATUS INBOX (HIGHESTMODSEQ BOGUS)",
	} {
		if i == 10 {
			// The Guard ends a session after 20 bad commands.
			c = e.login(alice)
			c.ok("SELECT INBOX")
		}
		_, tagged := c.do("%s", line)
		if !strings.HasPrefix(tagged, "BAD") {
			t.Errorf("%q = %q, want BAD", line, tagged)
		}
	}
	c.ok("SELECT INBOX")
	if u := c.ok("FETCH 1 (UID)"); len(u) != 1 {
		t.Errorf("FETCH after the bad commands = %q", u)
	}
}
