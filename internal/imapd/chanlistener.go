package imapd

import (
	"net"
	"sync"
	"time"
)

// chanListener is a net.Listener fed by Server.Serve: it lets one accept
// loop (with its own classification of each client) hand connections to
// one of several imapserver.Servers.
type chanListener struct {
	c    chan net.Conn
	done chan struct{}
	once sync.Once
}

func newChanListener() *chanListener {
	return &chanListener{c: make(chan net.Conn), done: make(chan struct{})}
}

// hand gives c to the imapserver accept loop, or closes it if the
// listener is closed.
func (l *chanListener) hand(c net.Conn) {
	select {
	case l.c <- c:
	case <-l.done:
		_ = c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.c:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{} }

// shortTick paces Shutdown's wait for the sessions to end.
func shortTick() <-chan time.Time { return time.After(10 * time.Millisecond) }
