package imapd

import (
	"strings"
	"testing"
)

// TestViewToldFlags checks the compact view's memory of what the client
// was told: a change the client saw through its own FETCH or STORE is not
// repeated, one it did not see is, and keywords and first unseen come from
// the store at SELECT.
func TestViewToldFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	a := e.login(alice)
	fill(t, a, 5)
	a.ok(`STORE 1:5 +FLAGS.SILENT (\Seen)`)
	a.ok(`STORE 3 -FLAGS.SILENT (\Seen)`)
	a.ok(`STORE 2 +FLAGS.SILENT (kw1)`)
	b := e.login(alice)
	u := b.ok("SELECT INBOX")
	if !hasLine(u, "* FLAGS (", "kw1") || !hasLine(u, "[UNSEEN 3]") || !hasLine(u, "* 5 EXISTS") {
		t.Errorf("SELECT = %q, want kw1 in FLAGS, UNSEEN 3, 5 EXISTS", u)
	}

	// A changes message 4; B fetches its flags before it hears of it.
	a.ok(`STORE 4 +FLAGS.SILENT (\Flagged)`)
	u = b.ok("FETCH 4 (FLAGS)")
	if len(u) != 1 || !strings.Contains(u[0], `\Flagged`) {
		t.Errorf("B FETCH 4 FLAGS = %q", u)
	}
	if u := b.ok("NOOP"); len(u) != 0 {
		t.Errorf("B is told again what its FETCH said: %q", u)
	}

	// A change B did not fetch is told once.
	a.ok(`STORE 5 +FLAGS.SILENT (\Answered)`)
	if u := b.ok("NOOP"); len(u) != 1 || !hasLine(u, "* 5 FETCH (", `\Answered`) {
		t.Errorf("B NOOP after A's STORE 5 = %q", u)
	}
	if u := b.ok("NOOP"); len(u) != 0 {
		t.Errorf("B's second NOOP = %q", u)
	}

	// B's own STORE is not echoed by A's session to B, but A hears it.
	b.ok(`STORE 1 +FLAGS (\Draft)`)
	if u := b.ok("NOOP"); len(u) != 0 {
		t.Errorf("B is told its own STORE again: %q", u)
	}
	if u := a.ok("NOOP"); !hasLine(u, "* 1 FETCH (", `\Draft`) {
		t.Errorf("A after B's STORE = %q", u)
	}

	// A new message after SELECT: its later flag change is told.
	a.appendMsg("INBOX", "", msg("m6", "body"))
	if u := b.ok("NOOP"); !hasLine(u, "* 6 EXISTS") {
		t.Errorf("B after APPEND = %q", u)
	}
	a.ok(`STORE 6 +FLAGS.SILENT (\Flagged)`)
	if u := b.ok("NOOP"); !hasLine(u, "* 6 FETCH (", `\Flagged`) {
		t.Errorf("B after A's STORE 6 = %q", u)
	}
	if u := b.ok("UID FETCH 1:* (UID)"); len(u) != 6 || !hasLine(u, "* 6 FETCH (UID 6)") {
		t.Errorf("B UID FETCH = %q", u)
	}
}
