package imapd

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// uidValidity returns the UIDVALIDITY of a SELECT's lines.
func uidValidity(t *testing.T, lines []string) string {
	t.Helper()
	re := regexp.MustCompile(`UIDVALIDITY (\d+)`)
	for _, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no UIDVALIDITY in %q", lines)
	return ""
}

// otherValidity is a UIDVALIDITY other than v.
func otherValidity(v string) string {
	if v == "1" {
		return "2"
	}
	return "1"
}

// TestQResync drives QRESYNC (RFC 7162 §3.2) over raw lines: ENABLE,
// VANISHED in place of EXPUNGE, UID FETCH (CHANGEDSINCE n VANISHED) and
// SELECT (QRESYNC ...), with a second session told by VANISHED.
func TestQResync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	if u := c.ok("CAPABILITY"); !hasLine(u, " QRESYNC") {
		t.Errorf("CAPABILITY = %q, want QRESYNC", u)
	}
	fill(t, c, 5) // UIDs 1..5, MODSEQs 2..6
	v := uidValidity(t, c.ok("SELECT INBOX"))
	c.ok("UNSELECT")
	c.expect("BAD", "SELECT INBOX (QRESYNC (%s 1))", v) // not enabled yet
	if u := c.ok("ENABLE QRESYNC"); !hasLine(u, "* ENABLED QRESYNC") {
		t.Errorf("ENABLE QRESYNC = %q", u)
	}
	u := c.ok("SELECT INBOX")
	h := highestModSeq(t, u)
	if h != 6 {
		t.Fatalf("HIGHESTMODSEQ = %d, want 6", h)
	}

	// QRESYNC enables CONDSTORE, and FETCH carries UID.
	if u := c.ok(`STORE 2 +FLAGS (\Seen)`); len(u) != 1 || u[0] != `* 2 FETCH (UID 2 FLAGS (\Seen) MODSEQ (7))` {
		t.Errorf("STORE = %q", u)
	}
	c.ok(`STORE 4 +FLAGS.SILENT (\Deleted)`)
	if u := c.ok("EXPUNGE"); len(u) != 1 || u[0] != "* VANISHED 4" {
		t.Errorf("EXPUNGE = %q, want * VANISHED 4", u)
	}

	// UID FETCH (CHANGEDSINCE VANISHED): the gone UID first, then changes.
	u = c.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)", h)
	want := []string{"* VANISHED (EARLIER) 4", `* 2 FETCH (UID 2 FLAGS (\Seen) MODSEQ (7))`}
	if strings.Join(u, "|") != strings.Join(want, "|") {
		t.Errorf("UID FETCH VANISHED = %q, want %q", u, want)
	}
	if u := c.ok("UID FETCH 1:3 (FLAGS) (CHANGEDSINCE 7 VANISHED)"); len(u) != 0 {
		t.Errorf("UID FETCH 1:3 VANISHED with nothing newer = %q", u)
	}
	c.expect("BAD", "FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)")
	c.expect("BAD", "UID FETCH 1:* (FLAGS) (VANISHED)")

	// SELECT (QRESYNC): what changed since h, with and without known UIDs.
	for _, tc := range []struct {
		params string
		want   []string
	}{
		{fmt.Sprintf("(QRESYNC (%s %d))", v, h), want},
		{fmt.Sprintf("(QRESYNC (%s %d 1:3))", v, h), want[1:]},
		{fmt.Sprintf("(QRESYNC (%s %d 4:9 (1:2 1:2)))", v, h), want[:1]},
		// The store keeps no expunge history: 4 may have gone after 7.
		{fmt.Sprintf("(QRESYNC (%s 7))", v), want[:1]},
		{fmt.Sprintf("(QRESYNC (%s 9))", v), nil}, // nothing since
		{fmt.Sprintf("(QRESYNC (%s %d))", otherValidity(v), h), nil},
	} {
		u := c.ok("SELECT INBOX %s", tc.params)
		var got []string
		for _, l := range u {
			if strings.Contains(l, "VANISHED") || strings.Contains(l, "FETCH") {
				got = append(got, l)
			}
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("SELECT INBOX %s = %q, want %q", tc.params, got, tc.want)
		}
		if !hasLine(u, "OK [HIGHESTMODSEQ 9]") { // the expunge took 9
			t.Errorf("SELECT INBOX %s without HIGHESTMODSEQ 9: %q", tc.params, u)
		}
	}
	c.expect("BAD", "SELECT INBOX (QRESYNC (%s 0))", v)
	c.expect("BAD", "SELECT INBOX (QRESYNC (%s 1 1:*))", v)

	// Another session's expunge comes as VANISHED, on NOOP and in IDLE.
	b := e.login(alice)
	b.ok("ENABLE QRESYNC")
	b.ok("SELECT INBOX")
	c.ok(`UID STORE 5 +FLAGS.SILENT (\Deleted)`)
	c.ok("UID EXPUNGE 5")
	if u := b.ok("NOOP"); !hasLine(u, "* VANISHED 5") || hasLine(u, "EXPUNGE") {
		t.Errorf("B NOOP after A's expunge = %q", u)
	}
	b.write("i1 IDLE\r\n")
	if l := b.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}
	c.ok(`STORE 1 +FLAGS.SILENT (\Deleted)`)
	if l := b.line(); l != `* 1 FETCH (UID 1 FLAGS (\Deleted) MODSEQ (12))` {
		t.Errorf("IDLE after A's STORE = %q", l)
	}
	c.ok("MOVE 1 Trash")
	if l := b.line(); l != "* VANISHED 1" {
		t.Errorf("IDLE after A's MOVE = %q", l)
	}
	b.write("DONE\r\n")
	if _, tagged := b.until("i1"); !strings.HasPrefix(tagged, "OK") {
		t.Errorf("IDLE DONE: %q", tagged)
	}
	// A session without QRESYNC still gets EXPUNGE.
	p := e.login(alice)
	p.ok("SELECT INBOX")
	c.ok(`STORE 1 +FLAGS.SILENT (\Deleted)`)
	c.ok("EXPUNGE")
	if u := p.ok("NOOP"); !hasLine(u, "* 1 EXPUNGE") || hasLine(u, "VANISHED") {
		t.Errorf("NOOP without QRESYNC = %q, want EXPUNGE", u)
	}
}

// pythonQResync resynchronises with imaplib the way a QRESYNC client does
// after being away: ENABLE QRESYNC, then SELECT (QRESYNC ...) with what it
// knew, and EXPUNGE answered by VANISHED.
const pythonQResync = `
import imaplib, json, sys
host, port = sys.argv[1], int(sys.argv[2])
out = {}
def s(x):
    return [v.decode() if isinstance(v, bytes) else repr(v) for v in (x or [])]
m = imaplib.IMAP4(host, port, timeout=10)
m.login("alice@example.org", "alice-pw")
m.capabilities = tuple(m.capability()[1][0].decode().upper().split())
for i in range(4):
    m.append("INBOX", None, None, ("Subject: q%d\r\n\r\nbody\r\n" % i).encode())
m.enable("QRESYNC")
out["enabled"] = s(m.response("ENABLED")[1])
m.select("INBOX")
validity = m.response("UIDVALIDITY")[1][0].decode()
known = int(m.response("HIGHESTMODSEQ")[1][0])
m.store("3", "+FLAGS.SILENT", r"(\Deleted)")
m.expunge()
out["expunge_vanished"] = s(m.response("VANISHED")[1])
m.store("1", "+FLAGS", r"(\Flagged)")
m.close()
typ, data = m._simple_command("SELECT", "INBOX (QRESYNC (%s %d 1:4))" % (validity, known))
out["select"] = typ
out["select_vanished"] = s(m.response("VANISHED")[1])
out["select_fetch"] = s(m.response("FETCH")[1])
m.logout()
print(json.dumps(out))
`

func TestPythonQResync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	got := runPython(t, e, pythonQResync)
	for key, want := range map[string]string{
		"enabled":          `["QRESYNC"]`,
		"expunge_vanished": `["3"]`,
		"select":           `"OK"`,
		"select_vanished":  `["(EARLIER) 3"]`,
		// APPENDs took 2..5, \Deleted 6, the expunge 7, \Flagged 8.
		"select_fetch": `["1 (UID 1 FLAGS (\\Flagged) MODSEQ (8))"]`,
	} {
		if b, _ := json.Marshal(got[key]); string(b) != want {
			t.Errorf("%s = %s, want %s", key, b, want)
		}
	}
}
