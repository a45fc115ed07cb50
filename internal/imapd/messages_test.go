package imapd

import (
	"fmt"
	"strings"
	"testing"
)

func msg(subject, body string) []byte {
	return []byte("From: carol@example.net\r\nTo: alice@example.org\r\nSubject: " + subject +
		"\r\nDate: Tue, 10 Feb 2026 08:00:00 +0000\r\n\r\n" + body + "\r\n")
}

// fill appends n messages "m1".."mn" to INBOX and selects it.
func fill(t *testing.T, c *client, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if got := c.appendMsg("INBOX", "", msg(fmt.Sprintf("m%d", i), "body")); !strings.HasPrefix(got, "OK") {
			t.Fatalf("APPEND: %s", got)
		}
	}
	c.ok("SELECT INBOX")
}

func TestStoreCopyMoveExpunge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	fill(t, c, 5)

	u := c.ok(`STORE 1:2 +FLAGS (\Deleted $Label1)`)
	if len(u) != 2 || !hasLine(u, "* 1 FETCH (FLAGS (", `\Deleted`, "$Label1") {
		t.Errorf("STORE +FLAGS = %q", u)
	}
	if u := c.ok(`STORE 2 -FLAGS.SILENT ($Label1)`); len(u) != 0 {
		t.Errorf("STORE .SILENT = %q, want nothing", u)
	}
	if u := c.ok(`UID STORE 3 FLAGS (\Answered)`); !hasLine(u, "* 3 FETCH (", "UID 3", `FLAGS (\Answered)`) {
		t.Errorf("UID STORE = %q", u)
	}
	c.expect("BAD", `STORE 1 +FLAGS (\Bogus)`)
	// A STORE that changes nothing still answers with the flags.
	if u := c.ok(`STORE 1:2 +FLAGS (\Deleted)`); len(u) != 2 || !hasLine(u, "* 2 FETCH (FLAGS (", `\Deleted`) {
		t.Errorf("STORE without change = %q", u)
	}

	c.ok("COPY 3:4 Archive")
	_, tagged := c.do("COPY 3:4 Archive")
	if !strings.Contains(tagged, "[COPYUID ") {
		t.Errorf("COPY = %q, want COPYUID", tagged)
	}
	c.expect("NO [TRYCREATE]", "COPY 1 Nowhere")
	if got := c.ok("STATUS Archive (MESSAGES)"); !hasLine(got, "MESSAGES 4") {
		t.Errorf("Archive after two COPY = %q", got)
	}

	// EXPUNGE removes 1 and 2 (both \Deleted): the second EXPUNGE is
	// numbered after the first.
	if u := c.ok("EXPUNGE"); strings.Join(u, "|") != "* 1 EXPUNGE|* 1 EXPUNGE" {
		t.Errorf("EXPUNGE = %q", u)
	}
	// Now 3 messages, UIDs 3 4 5. MOVE the middle one.
	u = c.ok("MOVE 2 Trash")
	if !hasLine(u, "* OK [COPYUID ", " 4 1]") || !hasLine(u, "* 2 EXPUNGE") {
		t.Errorf("MOVE = %q", u)
	}
	c.expect("NO [TRYCREATE]", "UID MOVE 3 Nowhere")
	if u := c.ok("UID FETCH 1:* (UID)"); len(u) != 2 || !hasLine(u, "* 1 FETCH (UID 3)") || !hasLine(u, "* 2 FETCH (UID 5)") {
		t.Errorf("after MOVE: %q", u)
	}

	// UID EXPUNGE only touches the given UIDs.
	c.ok(`STORE 1:2 +FLAGS.SILENT (\Deleted)`)
	if u := c.ok("UID EXPUNGE 5"); strings.Join(u, "|") != "* 2 EXPUNGE" {
		t.Errorf("UID EXPUNGE 5 = %q", u)
	}
	// CLOSE expunges silently; UNSELECT does not.
	c.ok("CLOSE")
	c.expect("BAD", "FETCH 1 (FLAGS)") // no mailbox selected
	if got := c.ok("STATUS INBOX (MESSAGES)"); !hasLine(got, "MESSAGES 0") {
		t.Errorf("after CLOSE: %q", got)
	}
	c.ok("SELECT Archive")
	c.ok(`STORE 1 +FLAGS (\Deleted)`)
	c.ok("UNSELECT")
	if got := c.ok("STATUS Archive (MESSAGES)"); !hasLine(got, "MESSAGES 4") {
		t.Errorf("after UNSELECT: %q", got)
	}
}

func TestAppendLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(tiny)
	caps := strings.Join(c.ok("CAPABILITY"), " ")
	if !strings.Contains(caps, "APPENDLIMIT=4096") {
		t.Errorf("capabilities %q, want APPENDLIMIT=4096", caps)
	}
	if got := c.appendMsg("INBOX", "", []byte(strings.Repeat("x", 5000))); !strings.HasPrefix(got, "NO [TOOBIG]") {
		t.Errorf("APPEND beyond APPENDLIMIT = %q", got)
	}
	if got := c.appendMsg("INBOX", "", msg("one", strings.Repeat("y", 1500))); !strings.HasPrefix(got, "OK") {
		t.Fatalf("APPEND within quota = %q", got)
	}
	if got := c.appendMsg("INBOX", "", msg("two", strings.Repeat("z", 1500))); !strings.HasPrefix(got, "NO [OVERQUOTA]") {
		t.Errorf("APPEND over quota = %q", got)
	}
	if got := c.appendMsg("Nope", "", msg("x", "y")); !strings.HasPrefix(got, "NO [TRYCREATE]") {
		t.Errorf("APPEND to a missing mailbox = %q", got)
	}
	if got := c.ok("STATUS INBOX (MESSAGES APPENDLIMIT)"); !hasLine(got, "MESSAGES 1", "APPENDLIMIT 4096") {
		t.Errorf("STATUS = %q", got)
	}
}
