package daemon

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/listener"
)

// Two listeners share one cap of 1 over real loopback sockets: while a
// connection to the first is open, the second refuses at once with the
// reject line; once it is closed, the second admits.
func TestSessionLimitIsShared(t *testing.T) {
	limit := &sessionLimit{max: 1}
	var addrs []string
	for range 2 {
		raw, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l := newLimitedListener(raw, limit, smtpReject)
		t.Cleanup(func() { l.Close() })
		addrs = append(addrs, raw.Addr().String())
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() { // a server that greets and holds until the client leaves
					c.Write([]byte("220 ok\r\n"))
					buf := make([]byte, 64)
					for {
						if _, err := c.Read(buf); err != nil {
							c.Close()
							return
						}
					}
				}()
			}
		}()
	}
	greet := func(addr string) (net.Conn, string) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			t.Fatalf("greeting from %s: %v", addr, err)
		}
		return c, line
	}
	first, line := greet(addrs[0])
	if !strings.HasPrefix(line, "220") {
		t.Fatalf("first connection got %q", line)
	}
	second, line := greet(addrs[1])
	second.Close()
	if line != smtpRefusal(listener.ReasonBusy) {
		t.Fatalf("second connection over the shared cap got %q", line)
	}
	first.Close()
	deadline := time.Now().Add(5 * time.Second)
	for limit.Active() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("active = %d after the client left, want 0", limit.Active())
		}
		time.Sleep(10 * time.Millisecond)
	}
	third, line := greet(addrs[1])
	defer third.Close()
	if !strings.HasPrefix(line, "220") {
		t.Fatalf("connection after the first left got %q", line)
	}
	if limit.Active() != 1 {
		t.Errorf("active = %d, want 1", limit.Active())
	}
}

// An unlimited cap admits everything and still counts.
func TestSessionLimitZeroIsUnlimited(t *testing.T) {
	s := &sessionLimit{}
	for range 1000 {
		if !s.acquire() {
			t.Fatal("a zero cap refused")
		}
	}
	if s.Active() != 1000 {
		t.Fatalf("active = %d", s.Active())
	}
}

// drain fails a read that is blocked now and every later one, though the
// layers above set a fresh deadline before each read.
func TestDrainFailsReads(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitedListener(raw, &sessionLimit{}, smtpReject)
	defer l.Close()
	client, err := net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	errs := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		errs <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the read block
	l.drain()
	select {
	case err := <-errs:
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Fatalf("blocked read after drain = %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("drain did not end a blocked read")
	}
	client.Write([]byte("x"))
	c.SetReadDeadline(time.Now().Add(time.Hour))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("a read after drain with a fresh deadline succeeded")
	}
	if _, err := c.Write([]byte("421 bye\r\n")); err != nil {
		t.Fatalf("write after drain: %v", err)
	}
}

// With no reject function, a connection over the cap is closed without a
// word rather than crashing the daemon.
func TestSessionLimitNilReject(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitedListener(raw, &sessionLimit{max: 1}, nil)
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
		l.Accept() // refuses the second, then waits until Close
	}()
	first, _ := net.Dial("tcp", raw.Addr().String())
	defer first.Close()
	c := <-accepted
	defer c.Close()
	second, err := net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := second.Read(make([]byte, 16)); n != 0 || err == nil {
		t.Fatalf("second connection read %d, %v; want closed without a word", n, err)
	}
	if l.Refused() != 1 {
		t.Errorf("refused = %d, want 1", l.Refused())
	}
}
