package imapserver_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

var harnessCaps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapLiteralPlus: {}}

// TestSyntaxErrorsAreBAD checks that client errors the decoder finds are
// BAD [CLIENTBUG], not NO [SERVERBUG].
func TestSyntaxErrorsAreBAD(t *testing.T) {
	h := newHarness(t, harnessCaps)
	c := h.login()
	c.ok("SELECT INBOX")
	for _, cmd := range []string{
		"FETCH a:b (FLAGS)",
		"FETCH 0 (FLAGS)",
		"FETCH 01 (FLAGS)",
		"FETCH 4294967296 (FLAGS)",
		"UID FETCH 1,,2 (FLAGS)",
		"STORE x +FLAGS (\\Seen)",
		"SEARCH BOGUS",
		"SEARCH NOT BOGUS",
		"SEARCH 1:x",
		"UID SEARCH UID 1:y",
		"SEARCH SINCE 32-Foo-2026",
		`SELECT "&Jjo"`,
		// The literal after the error is dropped, not read as a command.
		`APPEND INBOX "99-Foo-2026 99:00:00 +0000" {12+}` + "\r\nx1 LOGOUT\r\n",
	} {
		_, tagged := c.do("%s", cmd)
		if !strings.HasPrefix(tagged, "BAD [CLIENTBUG]") {
			t.Errorf("%s = %q, want BAD [CLIENTBUG]", cmd, tagged)
		}
	}
	if _, tagged := c.do("XUNKNOWN {12+}\r\nx2 LOGOUT\r\n"); !strings.HasPrefix(tagged, "BAD") {
		t.Errorf("unknown command with a literal = %q, want BAD", tagged)
	}
	c.ok("NOOP")
}

// TestLongStringLiteral checks that a literal beyond 4096 bytes where a
// string is expected gets a prompt BAD [TOOBIG]: a synchronizing one is
// not waited for, a non-synchronizing one is read and dropped, never
// decoded as commands.
func TestLongStringLiteral(t *testing.T) {
	h := newHarness(t, harnessCaps)
	c := h.login()

	start := time.Now()
	c.write("s1 SELECT {5000}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "s1 BAD [TOOBIG]") {
		t.Errorf("SELECT {5000} = %q, want s1 BAD [TOOBIG]", l)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("SELECT {5000} answered after %v", d)
	}
	c.ok("NOOP")

	// The literal's bytes look like commands; none must run.
	body := strings.Repeat("x LOGOUT\r\n", 500)
	c.write(fmt.Sprintf("s2 SELECT {%d+}\r\n%s\r\n", len(body), body))
	if l := c.line(); !strings.HasPrefix(l, "s2 BAD [TOOBIG]") {
		t.Errorf("SELECT {%d+} = %q, want s2 BAD [TOOBIG]", len(body), l)
	}
	// Further literals of the same command are dropped too.
	c.write(fmt.Sprintf("s3 RENAME {%d+}\r\n%s {10+}\r\nx LOGOUT\r\n\r\n", len(body), body))
	if l := c.line(); !strings.HasPrefix(l, "s3 BAD [TOOBIG]") {
		t.Errorf("RENAME {%d+} {10+} = %q, want s3 BAD [TOOBIG]", len(body), l)
	}
	if u := c.ok("SELECT INBOX"); len(u) == 0 {
		t.Errorf("SELECT after the refused literals: no untagged data")
	}
	// A literal within the limit still works.
	c.write("s4 STATUS {5+}\r\nINBOX (MESSAGES)\r\n")
	if _, tagged := c.until("s4"); !strings.HasPrefix(tagged, "OK") {
		t.Errorf("STATUS {5+} = %q", tagged)
	}
}

// TestAppendLiteralBeyondLimit checks APPEND with literals beyond
// APPENDLIMIT: NO [TOOBIG]; a non-synchronizing one is dropped (up to
// 1 MiB) or ends the connection with BYE.
func TestAppendLiteralBeyondLimit(t *testing.T) {
	h := newHarness(t, harnessCaps)
	c := h.login()

	c.write(fmt.Sprintf("a1 APPEND INBOX {%d}\r\n", harnessAppendLimit+1))
	if l := c.line(); !strings.HasPrefix(l, "a1 NO [TOOBIG]") {
		t.Errorf("APPEND {%d} = %q, want NO [TOOBIG]", harnessAppendLimit+1, l)
	}

	body := "Subject: x\r\n\r\n" + strings.Repeat("a1 LOGOUT\r\n", 300)
	c.write(fmt.Sprintf("a2 APPEND INBOX {%d+}\r\n%s\r\n", len(body), body))
	if l := c.line(); !strings.HasPrefix(l, "a2 NO [TOOBIG]") {
		t.Errorf("APPEND {%d+} = %q, want NO [TOOBIG]", len(body), l)
	}
	c.ok("NOOP")
	small := "Subject: y\r\n\r\nsmall\r\n"
	c.write(fmt.Sprintf("a3 APPEND INBOX {%d+}\r\n%s\r\n", len(small), small))
	if _, tagged := c.until("a3"); !strings.HasPrefix(tagged, "OK") {
		t.Errorf("APPEND within the limit = %q", tagged)
	}
	if u := c.ok("SELECT INBOX"); !strings.Contains(strings.Join(u, "\n"), "* 1 EXISTS") {
		t.Errorf("SELECT after the APPENDs = %q, want 1 EXISTS", u)
	}

	// Beyond 1 MiB the bytes are not read: BYE, and the connection ends.
	c.write("a4 APPEND INBOX {2000000+}\r\n" + strings.Repeat("z", 1000))
	if l := c.line(); !strings.HasPrefix(l, "a4 NO [TOOBIG]") {
		t.Errorf("APPEND {2000000+} = %q, want NO [TOOBIG]", l)
	}
	if l := c.line(); !strings.HasPrefix(l, "* BYE ") {
		t.Errorf("after APPEND {2000000+}: %q, want BYE", l)
	}
	if l := c.line(); l != "" {
		t.Errorf("after BYE: %q, want the connection closed", l)
	}
}
