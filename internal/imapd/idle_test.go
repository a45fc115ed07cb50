package imapd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/store"
)

func TestTwoSessionsAndIdle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	a := e.login(alice)
	fill(t, a, 4) // UIDs 1..4
	b := e.login(alice)
	b.ok("SELECT INBOX")

	a.ok(`STORE 1 +FLAGS (\Flagged)`)
	if u := b.ok("NOOP"); !hasLine(u, "* 1 FETCH (", "UID 1", `\Flagged`) {
		t.Errorf("B after A's STORE: %q", u)
	}
	if u := a.ok("NOOP"); len(u) != 0 {
		t.Errorf("A is told its own STORE again: %q", u)
	}

	a.ok(`STORE 2 +FLAGS.SILENT (\Deleted)`)
	a.ok("EXPUNGE")
	// FETCH may not announce the expunge (RFC 9051 §7.5.1): B still sees
	// four messages, and the expunged one is left out.
	u, tagged := b.do("FETCH 1:4 (UID)")
	if hasLine(u, "EXPUNGE") || len(u) != 4 && len(u) != 3 {
		t.Errorf("B FETCH with an expunge pending = %q", u)
	}
	if !strings.HasPrefix(tagged, "OK") {
		t.Errorf("B FETCH = %q", tagged)
	}
	if u := b.ok("NOOP"); !hasLine(u, "* 2 EXPUNGE") {
		t.Errorf("B NOOP after A's EXPUNGE = %q", u)
	}
	if u := b.ok("FETCH 2 (UID)"); !hasLine(u, "* 2 FETCH (UID 3)") {
		t.Errorf("B's sequence numbers after the expunge: %q", u)
	}

	// IDLE: a delivery shows up at once, then A's expunge.
	b.write("i1 IDLE\r\n")
	if l := b.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}
	start := time.Now()
	_, placed, err := e.st.Deliver(context.Background(), msg("delivered", "by smtp"), store.Delivery{Targets: []store.Target{{Account: alice}}})
	if err != nil || placed[0].Err != nil {
		t.Fatalf("Deliver: %v %v", err, placed)
	}
	if l := b.line(); l != "* 4 EXISTS" {
		t.Fatalf("IDLE after Deliver: %q, want * 4 EXISTS", l)
	}
	if d := time.Since(start); d > time.Second {
		t.Logf("EXISTS came %v after Deliver (over a second: a slow machine?)", d)
	}
	a.ok(`STORE 1 +FLAGS.SILENT (\Deleted)`)
	if l := b.line(); !strings.HasPrefix(l, "* 1 FETCH (") || !strings.Contains(l, `\Deleted`) {
		t.Errorf("IDLE after A's STORE: %q", l)
	}
	a.ok("EXPUNGE")
	if l := b.line(); l != "* 1 EXPUNGE" {
		t.Errorf("IDLE after A's EXPUNGE: %q", l)
	}
	b.write("DONE\r\n")
	if _, tagged := b.until("i1"); !strings.HasPrefix(tagged, "OK") {
		t.Errorf("IDLE DONE: %q", tagged)
	}
	// Both agree: UIDs 3, 4 and the delivered 5.
	for name, c := range map[string]*client{"A": a, "B": b} {
		u := c.ok("FETCH 1:* (UID)")
		if strings.Join(u, "|") != "* 1 FETCH (UID 3)|* 2 FETCH (UID 4)|* 3 FETCH (UID 5)" {
			t.Errorf("%s sees %q", name, u)
		}
	}
	// A mailbox deleted under B's feet empties B's view.
	c := e.login(alice)
	c.ok("CREATE Tmp")
	c.appendMsg("Tmp", "", msg("tmp", "x"))
	b.ok("SELECT Tmp")
	c.ok("DELETE Tmp")
	if u := b.ok("NOOP"); !hasLine(u, "* 1 EXPUNGE") {
		t.Errorf("B after its mailbox was deleted: %q", u)
	}
}

// TestWatcherOverflow makes more commits than a session's watcher holds
// while the session is silent: it must then compare its view with the
// store and still tell the client every change, once.
func TestWatcherOverflow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	a := e.login(alice)
	fill(t, a, 3)
	b := e.login(alice)
	b.ok("SELECT INBOX")
	ctx := context.Background()
	mb, err := e.st.GetMailbox(alice, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		op := store.FlagsAdd
		if i%2 == 1 {
			op = store.FlagsRemove
		}
		if _, _, err := e.st.StoreFlags(ctx, mb.ID, []uint32{1}, op, store.FlagFlagged, nil, 0); err != nil {
			t.Fatalf("StoreFlags: %v", err)
		}
	}
	if _, _, err := e.st.StoreFlags(ctx, mb.ID, []uint32{1}, store.FlagsAdd, store.FlagAnswered, nil, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.StoreFlags(ctx, mb.ID, []uint32{2}, store.FlagsAdd, store.FlagDeleted, nil, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Expunge(ctx, mb.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.Deliver(ctx, msg("late", "x"), store.Delivery{Targets: []store.Target{{Account: alice}}}); err != nil {
		t.Fatal(err)
	}
	u := b.ok("NOOP")
	if !strings.Contains(e.logs.String(), "watcher overflowed") {
		t.Errorf("the watcher did not overflow: the test does not test the resync")
	}
	if strings.Join(u, "|") != `* 2 EXPUNGE|* 3 EXISTS|* 1 FETCH (UID 1 FLAGS (\Answered))` {
		t.Errorf("NOOP after an overflow = %q", u)
	}
	if u := b.ok("FETCH 1:* (UID)"); strings.Join(u, "|") != "* 1 FETCH (UID 1)|* 2 FETCH (UID 3)|* 3 FETCH (UID 4)" {
		t.Errorf("view after an overflow: %q", u)
	}
}

// TestIdleEnds covers the ways an IDLE ends other than DONE: the client
// going away and the server shutting down.
func TestIdleEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	gone := e.login(alice)
	gone.ok("SELECT INBOX")
	gone.write("i IDLE\r\n")
	if l := gone.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}
	gone.c.Close()
	waitSessions(t, e.srv, 0)

	c := e.login(bob)
	c.ok("SELECT INBOX")
	c.write("i IDLE\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown during IDLE: %v", err)
	}
	if l := c.line(); !strings.HasPrefix(l, "* BYE") {
		t.Errorf("IDLE on shutdown: %q, want * BYE", l)
	}
}

func waitSessions(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		got := len(s.sessions)
		s.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("sessions did not drop to %d", n)
}

// TestIdleNotDone: a line other than DONE ends IDLE with BAD, and the
// commands after it run once the session is done idling (under -race,
// imapserver used to poll the session while its Idle still ran).
func TestIdleNotDone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	a := e.login(alice)
	fill(t, a, 1)
	b := e.login(alice)
	b.ok("SELECT INBOX")
	b.write("i1 IDLE\r\n")
	if l := b.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}
	a.ok(`STORE 1 +FLAGS (\Seen)`)
	if l := b.line(); !strings.HasPrefix(l, "* 1 FETCH (") {
		t.Fatalf("IDLE after A's STORE: %q", l)
	}
	b.write("NOTDONE\r\n")
	if _, tagged := b.until("i1"); !strings.HasPrefix(tagged, "BAD") {
		t.Errorf("IDLE ended by NOTDONE = %q, want BAD", tagged)
	}
	a.ok(`STORE 1 -FLAGS (\Seen)`)
	if u := b.ok("NOOP"); !hasLine(u, "* 1 FETCH (", "FLAGS ()") {
		t.Errorf("NOOP after the IDLE = %q", u)
	}
}
