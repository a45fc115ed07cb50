package smtpd

import (
	"crypto/tls"
	"net"
	"sync/atomic"
)

// readListener wraps each accepted connection in a readConn.
type readListener struct{ net.Listener }

func (l readListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if _, ok := c.(*tls.Conn); ok {
		// go-smtp recognises implicit TLS by this type: leave it bare
		// (such a session lacks the cut-chunk check below).
		return c, nil
	}
	return &readConn{Conn: c}, nil
}

// readConn records that a read from the client failed (EOF, reset,
// deadline). go-smtp hands Data a BDAT chunk cut short by the client's
// disconnection as if it were complete (io.Copy takes EOF for success),
// so Data asks, once it has read the message, whether the connection
// failed meanwhile, and if so stores nothing: no client ever saw a reply
// for that message.
type readConn struct {
	net.Conn
	failed atomic.Bool
}

func (c *readConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		c.failed.Store(true)
	}
	return n, err
}

// NetConn returns the wrapped connection, for listener.ConnOf.
func (c *readConn) NetConn() net.Conn { return c.Conn }

// readFailed reports whether a read under c failed, looking through
// wrappers (*tls.Conn after STARTTLS) as listener.ConnOf does.
func readFailed(c net.Conn) bool {
	for i := 0; i < 8 && c != nil; i++ {
		if rc, ok := c.(*readConn); ok {
			return rc.failed.Load()
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return false
		}
		c = u.NetConn()
	}
	return false
}
