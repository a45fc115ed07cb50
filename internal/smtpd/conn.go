package smtpd

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"

	"github.com/axmail/axmail/internal/listener"
)

// replyDropLine is what a client gets when its Guard drops the session.
const replyDropLine = "421 4.7.0 Too many errors, closing connection\r\n"

// goSMTPQuit is how go-smtp ends a session after its own count of bad
// commands (four unknown or unparsable ones); it is replaced by ours.
var goSMTPQuit = []byte("500 5.5.1 Too many errors. Quiting now")

// watchListener wraps each accepted connection in a watchConn.
type watchListener struct {
	net.Listener
	implicitTLS bool
}

func (l watchListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if _, ok := c.(*tls.Conn); ok && !l.implicitTLS {
		// go-smtp recognises implicit TLS by this type: leave it bare
		// (such a session lacks the checks below). With ImplicitTLS the
		// session looks for TLS itself, so the watcher can sit on top.
		return c, nil
	}
	return newWatchConn(c), nil
}

// watchConn is the connection go-smtp reads and writes. It does two
// things go-smtp offers no hook for:
//
//   - It records that a read from the client failed (EOF, reset,
//     deadline). go-smtp hands Data a BDAT chunk cut short by the
//     client's disconnection as if it were complete (io.Copy takes EOF
//     for success), so Data asks, once it has read the message, whether
//     the connection failed meanwhile, and if so stores nothing.
//   - It watches the replies go-smtp writes: each 500-504 reply (a bad,
//     unknown or out-of-sequence command) is reported to the session's
//     Guard, and when the Guard says drop, the client gets
//     replyDropLine and the connection is closed.
//
// Under STARTTLS the watcher sits below go-smtp's *tls.Conn and sees
// only ciphertext after the handshake: it stops watching then (blind),
// and go-smtp's own limit of four unknown commands applies. With
// ImplicitTLS it sits above the TLS connection and sees everything.
type watchConn struct {
	net.Conn
	guard *listener.Guard
	lconn *listener.Conn // nil when the listener gave none

	failed  atomic.Bool // a read failed
	dropped atomic.Bool // the Guard said drop; writes are discarded
	blind   atomic.Bool // STARTTLS began: replies are ciphertext
	// closeAfter closes the connection after the next write: a reply
	// that ends the session (AUTH failures past the limit).
	closeAfter atomic.Bool

	mu     sync.Mutex // serialises Write
	atLine bool       // the next byte written starts a reply line
}

func newWatchConn(c net.Conn) *watchConn {
	w := &watchConn{Conn: c, atLine: true}
	w.lconn, w.guard, _ = listener.Guarded(c)
	return w
}

func (c *watchConn) Read(b []byte) (int, error) {
	if c.dropped.Load() {
		c.failed.Store(true)
		return 0, net.ErrClosed
	}
	n, err := c.Conn.Read(b)
	if err != nil {
		c.failed.Store(true)
	}
	return n, err
}

func (c *watchConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped.Load() {
		return 0, net.ErrClosed
	}
	if !c.blind.Load() && c.atLine && bytes.HasPrefix(b, goSMTPQuit) {
		// go-smtp gave up on the client: say it our way, count it, end.
		c.guard.BadCommand()
		_, err := c.Conn.Write([]byte(replyDropLine))
		if derr := c.drop(); err == nil {
			err = derr
		}
		return len(b), err
	}
	n, err := c.Conn.Write(b)
	if err != nil {
		return n, err
	}
	if c.closeAfter.Load() {
		return n, c.drop()
	}
	if c.blind.Load() {
		return n, nil
	}
	if bytes.HasPrefix(b, []byte("220 2.0.0 Ready to start TLS")) {
		c.blind.Store(true)
		return n, nil
	}
	if c.badReplies(b) > 0 && c.guard.Dropped() {
		if _, err := c.Conn.Write([]byte(replyDropLine)); err != nil {
			return n, err
		}
		return n, c.drop()
	}
	return n, nil
}

// badReplies counts the final lines of 500-504 replies in b and reports
// each to the Guard. A reply line split across writes is seen by its
// first bytes, which go-smtp writes at once.
func (c *watchConn) badReplies(b []byte) int {
	bad := 0
	for len(b) > 0 {
		line := b
		i := bytes.IndexByte(b, '\n')
		if i >= 0 {
			line, b = b[:i+1], b[i+1:]
		} else {
			b = nil
		}
		start := c.atLine
		c.atLine = i >= 0
		if !start || len(line) < 4 || line[3] != ' ' {
			continue // a continuation, or not the last line of a reply
		}
		if line[0] == '5' && line[1] == '0' && line[2] >= '0' && line[2] <= '4' {
			bad++
			if c.guard.BadCommand() {
				return bad
			}
		}
	}
	return bad
}

// drop ends the connection: later reads fail and writes are discarded,
// so that commands the client pipelined behind are not acted on.
func (c *watchConn) drop() error {
	c.dropped.Store(true)
	c.failed.Store(true)
	return c.Conn.Close()
}

// NetConn returns the wrapped connection, for listener.ConnOf.
func (c *watchConn) NetConn() net.Conn { return c.Conn }

// watchOf finds the watchConn under c (go-smtp's *tls.Conn after
// STARTTLS wraps it), nil if there is none.
func watchOf(c net.Conn) *watchConn {
	for i := 0; i < 8 && c != nil; i++ {
		if w, ok := c.(*watchConn); ok {
			return w
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = u.NetConn()
	}
	return nil
}

// tlsOf finds the *tls.Conn in c's chain: go-smtp's after STARTTLS, or
// the listener's under the watcher with ImplicitTLS.
func tlsOf(c net.Conn) *tls.Conn {
	for i := 0; i < 8 && c != nil; i++ {
		if t, ok := c.(*tls.Conn); ok {
			return t
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = u.NetConn()
	}
	return nil
}

// readFailed reports whether a read under c failed.
func readFailed(c net.Conn) bool {
	if w := watchOf(c); w != nil {
		return w.failed.Load()
	}
	return false
}
