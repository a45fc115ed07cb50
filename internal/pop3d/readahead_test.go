package pop3d

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// aheadSession is a logged-in session of alice over one end of a pipe,
// driven by the test in place of serve, so that its read-ahead can be
// looked at between commands.
func aheadSession(t *testing.T, e *testEnv) *session {
	t.Helper()
	c, peer := net.Pipe()
	t.Cleanup(func() { c.Close(); peer.Close() })
	ss := newSession(e.srv, c)
	md, err := openMaildrop(e.st, alice)
	if err != nil {
		t.Fatal(err)
	}
	ss.md, ss.state = md, stateTransaction
	t.Cleanup(ss.dropAhead)
	return ss
}

// streamed is the reply send streams for RETR of message n: what a
// reply read ahead must equal byte for byte.
func streamed(t *testing.T, ss *session, n int) string {
	t.Helper()
	var out bytes.Buffer
	saved := ss.bw
	ss.bw = bufio.NewWriter(&out)
	defer func() { ss.bw = saved }()
	m, why := ss.md.get(n)
	if m == nil {
		t.Fatalf("message %d: %s", n, why)
	}
	if quit := ss.send(m, false, 0); quit {
		t.Fatalf("send %d failed", n)
	}
	if err := ss.bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestReadAheadMatchesStream checks that a reply read ahead is the one
// send streams, for every shape of message (bare LF, bare CR, dot-led
// lines, no final line ending, empty), with the size found on the way
// when STAT has not given it, and that the buffer goes back to the pool.
func TestReadAheadMatchesStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	bodies := []string{
		msgCRLF, msgLF, msgNoEnd, "", ".", "..\r\n.\r\n", "a\rb\r\n\r", "\n\n\n",
		strings.Repeat(".x\n", 3000), // grows by a third as sent, still fits
	}
	for _, b := range bodies {
		e.deliver(alice, b)
	}
	ss := aheadSession(t, e)
	for n := 2; n <= len(bodies); n++ {
		ss.lastRETR = n - 1
		ss.readAhead()
		reply, ok := ss.takeAhead(n)
		if !ok {
			t.Fatalf("message %d (%q) not read ahead", n, bodies[n-1])
		}
		got := string(reply)
		size := ss.md.msgs[n-1].size
		if want := int64(len(sentForm(bodies[n-1]))); size != want {
			t.Errorf("message %d: size %d after read-ahead, want %d", n, size, want)
		}
		if want := streamed(t, ss, n); got != want {
			t.Errorf("message %d read ahead:\n%q\nstreamed:\n%q", n, got, want)
		}
		ss.dropAhead()
	}
	if held := e.srv.ahead.held.Load(); held != 0 {
		t.Errorf("%d bytes of read-ahead buffers held after the last drop, want 0", held)
	}
}

// TestReadAheadSkips lists what is not read ahead: nothing retrieved
// yet, past the last message, a deleted message, one too big, and any
// message once the server's budget is spent.
func TestReadAheadSkips(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.deliver(alice, msgCRLF)
	e.deliver(alice, msgLF)
	e.deliver(alice, strings.Repeat("x", aheadMax-2)+"\r\n") // 3 more as sent: too big with its "."
	e.deliver(alice, msgNoEnd)
	ss := aheadSession(t, e)
	for _, c := range []struct {
		name     string
		lastRETR int
		prepare  func()
	}{
		{"nothing retrieved", 0, nil},
		{"past the end", 4, nil},
		{"deleted", 1, func() { ss.md.msgs[1].deleted = true }},
		{"too big", 2, nil},
		{"budget spent", 3, func() { e.srv.ahead.held.Add(e.srv.ahead.budget) }},
	} {
		if c.prepare != nil {
			c.prepare()
		}
		ss.lastRETR = c.lastRETR
		ss.readAhead()
		if ss.ahead.n != 0 || ss.ahead.buf != nil {
			t.Errorf("%s: message %d read ahead", c.name, ss.ahead.n)
		}
	}
	e.srv.ahead.held.Add(-e.srv.ahead.budget)
	if held := e.srv.ahead.held.Load(); held != 0 {
		t.Errorf("%d bytes held, want 0", held)
	}
}

// TestReadAheadOverTheWire retrieves a maildrop one RETR at a time with
// DELE between, as fetchmail does, and checks every reply, a message
// deleted after it was read ahead (refused), RSET, a RETR out of order
// and a message too big to read ahead; the buffer is given back when the
// session ends.
func TestReadAheadOverTheWire(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	bodies := []string{msgCRLF, msgLF, bigMessage(100 << 10), msgNoEnd, msgCRLF}
	for _, b := range bodies {
		e.deliver(alice, b)
	}
	rc := e.dialRaw()
	rc.login(alice)
	retr := func(n int) {
		t.Helper()
		want := sentForm(bodies[n-1])
		if got := rc.cmd(fmt.Sprintf("RETR %d", n)); got != fmt.Sprintf("+OK %d octets", len(want)) {
			t.Fatalf("RETR %d = %q", n, got)
		}
		if got := rc.multi(); got != want {
			t.Fatalf("RETR %d body = %q, want %q", n, got, want)
		}
	}
	for n := 1; n <= 4; n++ {
		retr(n)
		if got := rc.cmd(fmt.Sprintf("DELE %d", n)); !strings.HasPrefix(got, "+OK") {
			t.Fatalf("DELE %d = %q", n, got)
		}
	}
	// Message 5 was read ahead after RETR 4; deleted, it is refused.
	if got := rc.cmd("DELE 5"); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("DELE 5 = %q", got)
	}
	if got := rc.cmd("RETR 5"); got != "-ERR message already deleted" {
		t.Errorf("RETR 5 after DELE = %q", got)
	}
	if got := rc.cmd("RSET"); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("RSET = %q", got)
	}
	retr(5)
	retr(2)
	retr(1)
	if got := rc.cmd("QUIT"); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("QUIT = %q", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.srv.ahead.held.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes of read-ahead buffers still held after QUIT", e.srv.ahead.held.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
