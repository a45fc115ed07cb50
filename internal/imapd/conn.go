package imapd

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axmail/axmail/internal/listener"
)

const (
	byeBadCommands  = "* BYE Too many bad commands\r\n"
	byeAuthFailures = "* BYE Too many failed logins\r\n"
)

// watchConn sits between the client and imapserver and watches the replies
// go by, since imapserver has no hook for them: each tagged BAD is a bad
// command for the Guard, which may end the session; a tagged reply after
// too many failed logins ends it too. It skips the bytes of literals (a
// message body may hold a line that looks like a reply).
//
// Under STARTTLS it sits below the *tls.Conn and sees only ciphertext
// after the handshake: it stops watching then (blind). With implicit TLS
// the listener's *tls.Conn is below it and it sees everything.
type watchConn struct {
	net.Conn
	guard *listener.Guard
	lconn *listener.Conn // nil when the listener gave none

	// onClose, set before the connection is served, tells the server
	// the connection is gone.
	onClose   func()
	closeOnce sync.Once

	// closeAfter ends the session after the next tagged reply, with
	// the BYE it holds.
	closeAfter atomic.Pointer[string]
	dropped    atomic.Bool

	mu    sync.Mutex // serialises Write, the output buffer and the parser state
	out   outBuffer
	blind bool
	head  []byte // the first bytes of the current reply line
	tail  []byte // its last bytes, for a literal's {n}
	skip  int64  // bytes of a literal still to pass
}

const (
	watchHead = 48
	watchTail = 24
)

func newWatchConn(c net.Conn) *watchConn {
	w := &watchConn{Conn: c}
	w.out.conn = c
	w.out.timerFlush = w.timerFlush
	w.lconn, w.guard, _ = listener.Guarded(c)
	return w
}

// Close sends what is buffered, closes the connection and tells the
// server, once. A client that stopped reading holds the final send up to
// closeFlushTimeout.
func (c *watchConn) Close() error {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
	c.mu.Lock()
	c.out.closing = true
	if !c.dropped.Load() {
		_ = c.out.flush(true)
	}
	c.out.stop()
	c.mu.Unlock()
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		if c.onClose != nil {
			c.onClose()
		}
	})
	return err
}

// Read sends what is buffered first: the client waits for it before it
// sends the next command.
func (c *watchConn) Read(b []byte) (int, error) {
	if c.dropped.Load() {
		return 0, net.ErrClosed
	}
	c.mu.Lock()
	err := c.out.flush(true)
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

// timerFlush sends what waited in the buffer for outFlushDelay: the
// updates IDLE writes while imapserver is blocked reading.
func (c *watchConn) timerFlush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dropped.Load() {
		_ = c.out.flush(true)
	}
}

// Write buffers b (outBuffer) and watches the replies it holds.
func (c *watchConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped.Load() {
		return 0, net.ErrClosed
	}
	n, err := c.out.write(b)
	if err != nil || c.blind {
		return n, err
	}
	for i := 0; i < n; {
		if c.skip > 0 {
			k := min(c.skip, int64(n-i))
			c.skip -= k
			i += int(k)
			continue
		}
		end := n
		nl := bytes.IndexByte(b[i:n], '\n')
		if nl >= 0 {
			end = i + nl + 1
		}
		c.keep(b[i:end])
		i = end
		if nl < 0 {
			break
		}
		if bye := c.endLine(); bye != "" {
			_ = c.out.flush(true)
			c.out.stop()
			_, _ = c.Conn.Write([]byte(bye))
			c.dropped.Store(true)
			_ = c.Conn.Close()
			return n, net.ErrClosed
		}
		if c.blind {
			return n, nil
		}
	}
	return n, nil
}

// keep records a piece of the current reply line: its first watchHead
// bytes and its last watchTail.
func (c *watchConn) keep(seg []byte) {
	if room := watchHead - len(c.head); room > 0 {
		c.head = append(c.head, seg[:min(room, len(seg))]...)
	}
	if len(seg) >= watchTail {
		c.tail = append(c.tail[:0], seg[len(seg)-watchTail:]...)
		return
	}
	if drop := len(c.tail) + len(seg) - watchTail; drop > 0 {
		c.tail = c.tail[:copy(c.tail, c.tail[drop:])]
	}
	c.tail = append(c.tail, seg...)
}

// SetWriteDeadline is ignored: imapserver sets one around each response,
// but its writes only reach the buffer; outBuffer bounds the real sends
// with a deadline of its own.
func (c *watchConn) SetWriteDeadline(time.Time) error { return nil }

// SetDeadline sets the read deadline only (see SetWriteDeadline).
func (c *watchConn) SetDeadline(t time.Time) error { return c.Conn.SetReadDeadline(t) }

// endLine looks at a complete reply line and returns the BYE that must end
// the session, if any.
func (c *watchConn) endLine() string {
	head, tail := c.head, c.tail
	c.head, c.tail = c.head[:0], c.tail[:0]
	if size, ok := literalSize(tail); ok {
		c.skip = size
	}
	tag, rest, ok := bytes.Cut(head, []byte(" "))
	if !ok || len(tag) == 0 || tag[0] == '*' || tag[0] == '+' {
		return ""
	}
	// A tagged reply: the end of a command.
	if bytes.HasPrefix(rest, []byte("OK Begin TLS negotiation now")) {
		c.blind = true
		return ""
	}
	if bye := c.closeAfter.Load(); bye != nil {
		return *bye
	}
	if bytes.HasPrefix(rest, []byte("BAD ")) && c.guard.BadCommand() {
		return byeBadCommands
	}
	return ""
}

// literalSize parses the "{n}\r\n" or "~{n+}\r\n" that ends a line
// announcing a literal.
func literalSize(tail []byte) (int64, bool) {
	t := bytes.TrimSuffix(tail, []byte("\n"))
	t = bytes.TrimSuffix(t, []byte("\r"))
	if !bytes.HasSuffix(t, []byte("}")) {
		return 0, false
	}
	open := bytes.LastIndexByte(t, '{')
	if open < 0 {
		return 0, false
	}
	num := bytes.TrimSuffix(t[open+1:len(t)-1], []byte("+"))
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// endAfterReply makes the next tagged reply the session's last.
func (c *watchConn) endAfterReply(bye string) { c.closeAfter.Store(&bye) }
