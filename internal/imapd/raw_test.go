package imapd

import (
	"strings"
	"testing"
)

// TestMalformedInput sends broken commands as raw lines: each gets a clear
// BAD or NO, and the session goes on.
func TestMalformedInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.dial()
	c.expect("BAD", "SELECT INBOX")    // not authenticated
	c.expect("BAD", "FETCH 1 (FLAGS)") // not authenticated
	c.expect("BAD", "LOGIN onlyuser")  // missing argument
	c.ok("LOGIN %s %s", alice, passwords[alice])
	c.expect("BAD", "LOGIN again please") // wrong state
	c.expect("BAD", "FETCH 1 (FLAGS)")    // nothing selected
	c.expect("BAD", "EXPUNGE")            // nothing selected
	fill(t, c, 2)
	// A fresh session: the Guard ends one after 20 bad commands.
	c = e.login(alice)
	c.ok("SELECT INBOX")
	for _, line := range []string{
		"FETCH 1 (FLAGS",            // unbalanced parenthesis
		"FETCH 1 FLAGS)",            // stray parenthesis
		"FETCH 1:3 (FLAGS)",         // beyond the mailbox
		"FETCH 99 (FLAGS)",          // beyond the mailbox
		"FETCH a:b (FLAGS)",         // not a set
		"FETCH 1 (BODY[1.x])",       // bad section
		"FETCH 1 (BINARY[1.x])",     // bad binary section
		"STORE 1 +FLAGS (\\Seen",    // unbalanced
		"STORE 1 BOGUS (\\Seen)",    // bad item
		`STORE 1 FLAGS (\NotAFlag)`, // unknown system flag
		"SEARCH OR FLAGGED",         // OR with one key
		"SEARCH (SEEN",              // unbalanced
		"SEARCH SINCE 32-Foo-2026",  // bad date
		"CREATE",                    // no argument
		`RENAME "a"`,                // one argument
		"UID FETCH",                 // no set
		"UID BOGUS 1",               // unknown UID command
		"NOSUCHCOMMAND",             // unknown command
	} {
		_, tagged := c.do("%s", line)
		if !strings.HasPrefix(tagged, "BAD") && !strings.HasPrefix(tagged, "NO") {
			t.Errorf("%q = %q, want BAD or NO", line, tagged)
		}
	}
	// The session still works.
	if u := c.ok("FETCH 1:2 (UID)"); len(u) != 2 {
		t.Errorf("FETCH after the bad commands = %q", u)
	}

	// A literal beyond APPENDLIMIT is refused before it is sent.
	c.write("big APPEND INBOX {67108865}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "big NO [TOOBIG]") {
		t.Errorf("APPEND beyond APPENDLIMIT = %q", l)
	}
	c.ok("NOOP")
}
