package imapd

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestParserQuirks sends, as raw lines, the client errors that
// imapserver used to mishandle, and checks the exact reply and that the
// session still works after each.
func TestParserQuirks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(tiny) // APPENDLIMIT 4096
	if tagged := c.appendMsg("INBOX", "", []byte("Subject: one\r\n\r\nbody\r\n")); !strings.HasPrefix(tagged, "OK") {
		t.Fatalf("APPEND: %s", tagged)
	}
	c.ok("SELECT INBOX")

	// Used to be NO [SERVERBUG].
	for _, tc := range []struct{ cmd, want string }{
		{"FETCH a:b (FLAGS)", `BAD [CLIENTBUG] Syntax error: invalid sequence-set "a:b"`},
		{"UID STORE 0 +FLAGS (\\Seen)", `BAD [CLIENTBUG] Syntax error: invalid sequence-set "0"`},
		{"SEARCH BOGUS", `BAD [CLIENTBUG] Syntax error: invalid sequence-set "BOGUS"`},
		{"SEARCH SINCE 32-Foo-2026", `BAD [CLIENTBUG] Syntax error: invalid date "32-Foo-2026"`},
	} {
		if _, tagged := c.do("%s", tc.cmd); tagged != tc.want {
			t.Errorf("%s = %q, want %q", tc.cmd, tagged, tc.want)
		}
		if u := c.ok("FETCH 1 (UID)"); len(u) != 1 || !strings.Contains(u[0], "UID 1") {
			t.Errorf("FETCH after %s = %q", tc.cmd, u)
		}
	}

	// Used to wait for the 30 s command timeout.
	tooBig := "BAD [TOOBIG] Literals are limited to 4096 bytes for this command"
	start := time.Now()
	c.write("q1 SELECT {5000}\r\n")
	if l := c.line(); l != "q1 "+tooBig {
		t.Errorf("SELECT {5000} = %q, want %q", l, "q1 "+tooBig)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("SELECT {5000} answered after %v", d)
	}
	c.ok("NOOP")

	// A refused non-synchronizing literal used to be read as commands.
	junk := strings.Repeat("x LOGOUT\r\n", 500)
	c.write(fmt.Sprintf("q2 SELECT {%d+}\r\n%s\r\n", len(junk), junk))
	if l := c.line(); l != "q2 "+tooBig {
		t.Errorf("SELECT {%d+} = %q, want %q", len(junk), l, "q2 "+tooBig)
	}
	c.ok("NOOP")

	msg := "Subject: big\r\n\r\n" + junk
	c.write(fmt.Sprintf("q3 APPEND INBOX {%d+}\r\n%s\r\n", len(msg), msg))
	if l, want := c.line(), "q3 NO [TOOBIG] Literals are limited to 4096 bytes for this command"; l != want {
		t.Errorf("APPEND {%d+} = %q, want %q", len(msg), l, want)
	}
	if u := c.ok("NOOP"); len(u) != 0 {
		t.Errorf("NOOP after the refused APPEND = %q, want nothing new", u)
	}
	if mb, err := e.st.GetMailbox(tiny, "INBOX"); err != nil || mb.Messages != 1 {
		t.Errorf("INBOX after the refused APPEND: %+v, %v", mb, err)
	}

	// More than 1 MiB is not read: BYE.
	c.write("q4 APPEND INBOX {2000000+}\r\n" + junk)
	if l, want := c.line(), "q4 NO [TOOBIG] Literals are limited to 4096 bytes for this command"; l != want {
		t.Errorf("APPEND {2000000+} = %q, want %q", l, want)
	}
	if l := c.line(); !strings.HasPrefix(l, "* BYE ") {
		t.Errorf("after APPEND {2000000+}: %q, want BYE", l)
	}
	if l := c.line(); l != "" {
		t.Errorf("after BYE: %q, want the connection closed", l)
	}

	// A new session works.
	c = e.login(tiny)
	c.ok("SELECT INBOX")
}
