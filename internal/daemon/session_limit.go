package daemon

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axmail/axmail/internal/listener"
)

// sessionLimit is services.<service>.max_sessions: one cap on the
// simultaneous connections of all the listeners of a service together
// (submission and submissions share it), which listener.Options.MaxSessions,
// being per listener, cannot express.
type sessionLimit struct {
	max int // 0: no limit

	mu     sync.Mutex
	active int
}

func (s *sessionLimit) acquire() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max > 0 && s.active >= s.max {
		return false
	}
	s.active++
	return true
}

func (s *sessionLimit) release() {
	s.mu.Lock()
	s.active--
	s.mu.Unlock()
}

// Active reports the connections counted in.
func (s *sessionLimit) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// maxRejecting bounds the refusals written at once, as the listener
// package does; beyond it a refused connection is closed without a reply.
const maxRejecting = 256

// limitedListener applies a sessionLimit under a listener.Listener: every
// raw connection takes a place before the listener's rules see it, and
// gives it back when closed. A connection the listener then refuses holds
// its place only while its refusal is written. Refused connections get
// reject(conn, listener.ReasonBusy) (nil: closed without a word) and are
// never returned.
type limitedListener struct {
	net.Listener
	limit     *sessionLimit
	reject    func(net.Conn, listener.Reason)
	rejecting chan struct{}
	refused   atomic.Uint64

	draining atomic.Bool // see drain
	mu       sync.Mutex
	conns    map[*limitedConn]struct{} // open, for drain
}

func newLimitedListener(inner net.Listener, limit *sessionLimit, reject func(net.Conn, listener.Reason)) *limitedListener {
	return &limitedListener{Listener: inner, limit: limit, reject: reject, rejecting: make(chan struct{}, maxRejecting),
		conns: make(map[*limitedConn]struct{})}
}

// Refused reports the connections refused for the service's cap.
func (l *limitedListener) Refused() uint64 { return l.refused.Load() }

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.limit.acquire() {
			lc := &limitedConn{Conn: c, l: l}
			l.mu.Lock()
			l.conns[lc] = struct{}{}
			l.mu.Unlock()
			if l.draining.Load() {
				_ = c.SetReadDeadline(time.Now())
			}
			return lc, nil
		}
		l.refused.Add(1)
		l.refuse(c)
	}
}

// refuse writes the refusal in its own goroutine, so that a client that
// does not read cannot hold up Accept.
func (l *limitedListener) refuse(c net.Conn) {
	if l.reject == nil {
		_ = c.Close() // a service with no refusal of its own
		return
	}
	select {
	case l.rejecting <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-l.rejecting }()
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(listener.DefaultRejectTimeout))
		l.reject(c, listener.ReasonBusy)
	}()
}

// limitedConn gives its place back once, however often it is closed.
type limitedConn struct {
	net.Conn
	l    *limitedListener
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.limit.release()
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return err
}

// NetConn returns the wrapped connection.
func (c *limitedConn) NetConn() net.Conn { return c.Conn }
