package imapd

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/listener"
)

// writeCounter counts the writes that reach a real TCP connection.
type writeCounter struct {
	net.Conn
	writes atomic.Int64
}

func (c *writeCounter) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		done <- c
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-done
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	_ = client.SetDeadline(time.Now().Add(20 * time.Second))
	return server, client
}

func TestOutBufferCoalescesUntilRead(t *testing.T) {
	t.Parallel()
	raw, client := tcpPair(t)
	wc := &writeCounter{Conn: raw}
	c := newWatchConn(wc)
	var want bytes.Buffer
	const n = 5000
	big := strings.Repeat("x", 3*outBufferSize) // passes the buffer whole
	for i := range n {
		line := fmt.Sprintf("* %d FETCH (UID %d FLAGS (\\Seen))\r\n", i+1, i+1)
		if i == n/2 {
			line = "* 1 FETCH (BODY[] {" + fmt.Sprint(len(big)) + "}\r\n" + big + ")\r\n"
		}
		want.WriteString(line)
		if _, err := c.Write([]byte(line)); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	want.WriteString("a1 OK FETCH completed\r\n")
	if _, err := c.Write([]byte("a1 OK FETCH completed\r\n")); err != nil {
		t.Fatal(err)
	}
	// The client sends its next command; reading it sends the rest.
	go func() { _, _ = client.Write([]byte("a2 NOOP\r\n")) }()
	buf := make([]byte, 64)
	if _, err := c.Read(buf); err != nil {
		t.Fatalf("Read: %v", err)
	}
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatalf("client read: %v", err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("client got %d bytes, not the %d written in order", len(got), want.Len())
	}
	// About 200 KiB of small lines and 192 KiB in one piece: a handful of
	// full buffers and timer flushes, not one write per line.
	if w := wc.writes.Load(); w > n/10 {
		t.Errorf("%d writes for %d responses", w, n)
	}
	if c.out.buf != nil {
		t.Error("the buffer is kept while the connection waits for a command")
	}
}

func TestOutBufferTimerSendsUnsolicited(t *testing.T) {
	t.Parallel()
	raw, client := tcpPair(t)
	c := newWatchConn(raw)
	// As IDLE does: imapserver is blocked reading, the session writes.
	readErr := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 16))
		readErr <- err
	}()
	time.Sleep(10 * time.Millisecond)
	start := time.Now()
	if _, err := c.Write([]byte("* 5 EXISTS\r\n")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len("* 5 EXISTS\r\n"))
	if _, err := io.ReadFull(client, got); err != nil || string(got) != "* 5 EXISTS\r\n" {
		t.Fatalf("client read %q, %v", got, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("unsolicited update took %v", d)
	}
	_, _ = client.Write([]byte("DONE\r\n"))
	if err := <-readErr; err != nil {
		t.Fatalf("Read: %v", err)
	}
}

func TestOutBufferCloseSendsTheRest(t *testing.T) {
	t.Parallel()
	raw, client := tcpPair(t)
	c := newWatchConn(raw)
	closed := 0
	c.onClose = func() { closed++ }
	msg := "* BYE Logging out\r\na9 OK LOGOUT completed\r\n"
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_ = c.Close()
	got, err := io.ReadAll(client)
	if err != nil || string(got) != msg {
		t.Fatalf("client read %q, %v; want %q", got, err, msg)
	}
	if closed != 1 {
		t.Errorf("onClose ran %d times", closed)
	}
	if _, err := c.Write([]byte("late\r\n")); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// TestWatchConnCountsBadAcrossWrites checks the reply watcher that feeds
// the Guard now that it works on whole pieces of lines: a tagged BAD split
// over several writes counts once, a BAD line inside a literal does not.
func TestWatchConnCountsBadAcrossWrites(t *testing.T) {
	t.Parallel()
	raw, client := tcpPair(t)
	c := newWatchConn(raw)
	go func() { _, _ = io.Copy(io.Discard, client) }()
	fake := "a0 BAD inside a literal\r\n"
	for i := 0; i < listener.DefaultMaxBadCommands-1; i++ {
		pieces := []string{
			"* 1 FETCH (BODY[] {" + fmt.Sprint(len(fake)) + "}\r\n" + fake[:5], fake[5:] + ")\r\n",
			fmt.Sprintf("a%d B", i), "AD unknown command\r", "\n",
		}
		for _, p := range pieces {
			if _, err := c.Write([]byte(p)); err != nil {
				t.Fatalf("round %d: Write(%q): %v", i, p, err)
			}
		}
	}
	if c.dropped.Load() {
		t.Fatalf("dropped after %d bad commands (the limit is %d)", listener.DefaultMaxBadCommands-1, listener.DefaultMaxBadCommands)
	}
	if _, err := c.Write([]byte("z BAD again\r\n")); err == nil || !c.dropped.Load() {
		t.Fatalf("bad command %d: Write err %v, dropped %v; want the session ended", listener.DefaultMaxBadCommands, err, c.dropped.Load())
	}
}
