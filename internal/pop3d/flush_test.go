package pop3d

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

// writeCounter is a real TCP listener whose connections count the
// server's writes, so that a test can see how replies are flushed.
type writeCounter struct {
	net.Listener
	writes atomic.Int64
}

func (l *writeCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, writes: &l.writes}, nil
}

type countedConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestRepliesFlushedOncePerCommand checks that a RETR goes out in one
// write, its "+OK" line, every line of the message and the final "."
// together, and that RETRs pipelined in one packet share their writes.
func TestRepliesFlushedOncePerCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	const n = 8
	var want []string
	for i := range n {
		// About 1.5 KiB in 40 lines, bare LF and dot-led lines included.
		var b strings.Builder
		fmt.Fprintf(&b, "Subject: %d\r\n\r\n", i)
		for j := range 40 {
			if j%7 == 0 {
				b.WriteString(".")
			}
			fmt.Fprintf(&b, "line %d of %d\n", j, i)
		}
		e.deliver(alice, b.String())
		want = append(want, sentForm(b.String()))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wc := &writeCounter{Listener: l}
	go func() { _ = e.srv.Serve(wc) }() // ended by the env's Shutdown
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := newRawConn(t, c)
	if got := rc.line(); !strings.HasPrefix(got, "+OK ") {
		t.Fatalf("greeting = %q", got)
	}
	rc.login(alice)

	for i := range 3 {
		before := wc.writes.Load()
		if got := rc.cmd(fmt.Sprintf("RETR %d", i+1)); got != fmt.Sprintf("+OK %d octets", len(want[i])) {
			t.Fatalf("RETR %d = %q", i+1, got)
		}
		if got := rc.multi(); got != want[i] {
			t.Fatalf("RETR %d body = %q, want %q", i+1, got, want[i])
		}
		if w := wc.writes.Load() - before; w != 1 {
			t.Errorf("RETR %d of %d octets took %d writes, want 1", i+1, len(want[i]), w)
		}
	}

	var cmds strings.Builder
	for i := range n {
		fmt.Fprintf(&cmds, "RETR %d\r\n", i+1)
	}
	before := wc.writes.Load()
	rc.write(cmds.String())
	for i := range n {
		if got := rc.line(); got != fmt.Sprintf("+OK %d octets", len(want[i])) {
			t.Fatalf("pipelined RETR %d = %q", i+1, got)
		}
		if got := rc.multi(); got != want[i] {
			t.Fatalf("pipelined RETR %d body = %q, want %q", i+1, got, want[i])
		}
	}
	// The commands arrive in one packet, so in one read, and their
	// replies (about 12 KiB) fit the 32 KiB output buffer: one write; two
	// if the kernel split the input.
	if w := wc.writes.Load() - before; w > 2 {
		t.Errorf("%d pipelined RETRs took %d writes, want at most 2", n, w)
	}
}

func TestAppendUIDL(t *testing.T) {
	md := &maildrop{}
	for _, c := range []struct{ uid, validity uint32 }{
		{1, 1}, {0, 0}, {0xdeadbeef, 0x0badf00d}, {0xffffffff, 0xffffffff}, {42, 1732844400},
	} {
		md.uidValidity = c.validity
		m := &dropMsg{uid: c.uid}
		if got, want := string(md.appendUIDL([]byte("x "), m)), fmt.Sprintf("x %08X%08X", c.uid, c.validity); got != want {
			t.Errorf("appendUIDL(%d, %d) = %q, want %q", c.uid, c.validity, got, want)
		}
	}
}
