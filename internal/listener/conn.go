package listener

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is an admitted connection. Closing it releases its place in the
// listener's counts, exactly once however often Close is called. It
// applies an idle timeout (each Read or Write must complete within it) and
// a session timeout (the whole connection must end within it of being
// accepted) on top of any deadline the server sets itself; the earliest
// wins. Deadlines are in real time, as the net package's are.
type Conn struct {
	net.Conn
	ip      netip.Addr
	rule    int
	guard   *Guard
	start   time.Time // real time of Accept
	idle    atomic.Int64
	session atomic.Int64

	mu            sync.Mutex
	readDeadline  time.Time // set by the server
	writeDeadline time.Time

	closeOnce sync.Once
	closeErr  error
	release   func()
}

func (l *Listener) newConn(c net.Conn, ip netip.Addr, idx int) *Conn {
	trusted := idx >= 0 && l.rules.rules[idx].action == ActionAllow
	g := NewGuard(ip, trusted, l.penalties, l.opts.MaxBadCommands, l.opts.MaxAuthFailures)
	g.onDrop = func() {
		l.dropped.Add(1)
		l.opts.Logger.Info("session dropped", "remote", ip)
	}
	cn := &Conn{Conn: c, ip: ip, rule: idx, guard: g, start: time.Now()}
	cn.release = func() { l.release(ip, idx) }
	cn.idle.Store(int64(l.opts.IdleTimeout))
	cn.session.Store(int64(l.opts.SessionTimeout))
	return cn
}

// ConnOf finds the *Conn under c, looking through wrappers that expose
// NetConn (such as *tls.Conn), so a protocol session can reach its Guard
// and timeouts after STARTTLS.
func ConnOf(c net.Conn) (*Conn, bool) {
	for i := 0; i < 8 && c != nil; i++ {
		if cn, ok := c.(*Conn); ok {
			return cn, true
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil, false
		}
		c = u.NetConn()
	}
	return nil, false
}

// Defaults of Options.MaxBadCommands (Postfix's smtpd_hard_error_limit)
// and Options.MaxAuthFailures.
const (
	DefaultMaxBadCommands  = 20
	DefaultMaxAuthFailures = 3
)

// Guarded returns the *Conn under c, its Guard and the client's IP. A
// connection that did not come from a Listener (tests, other embeddings)
// has no *Conn; it gets a Guard of its own with the default limits and no
// shared penalties.
func Guarded(c net.Conn) (*Conn, *Guard, netip.Addr) {
	if lc, ok := ConnOf(c); ok {
		return lc, lc.Guard(), lc.IP()
	}
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		ip = ap.Addr().Unmap()
	}
	return nil, NewGuard(ip, false, nil, DefaultMaxBadCommands, DefaultMaxAuthFailures), ip
}

// IP returns the client's address, invalid for a unix-socket client.
func (c *Conn) IP() netip.Addr { return c.ip }

// Rule returns the index of the rule the client matched, or -1.
func (c *Conn) Rule() int { return c.rule }

// Guard returns the session's error control.
func (c *Conn) Guard() *Guard { return c.guard }

// NetConn returns the wrapped connection.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// SetIdleTimeout sets the idle timeout, effective from the next Read or
// Write; a protocol calls it after login with the account's value, or
// around IMAP IDLE. 0 means none.
func (c *Conn) SetIdleTimeout(d time.Duration) { c.idle.Store(int64(d)) }

// SetSessionTimeout sets the session (activity) timeout, counted from the
// connection's acceptance and effective from the next Read or Write; a
// protocol calls it after login with the account's value. 0 means none.
func (c *Conn) SetSessionTimeout(d time.Duration) { c.session.Store(int64(d)) }

// SessionExpired reports whether the session timeout has passed, so that
// a protocol can tell a timed-out read from an idle one.
func (c *Conn) SessionExpired() bool {
	s := time.Duration(c.session.Load())
	return s > 0 && time.Since(c.start) >= s
}

// deadline returns the earliest of the server's deadline, the idle
// deadline and the session deadline; zero means none.
func (c *Conn) deadline(server time.Time) time.Time {
	d := server
	earlier := func(t time.Time) {
		if d.IsZero() || t.Before(d) {
			d = t
		}
	}
	if idle := time.Duration(c.idle.Load()); idle > 0 {
		earlier(time.Now().Add(idle))
	}
	if s := time.Duration(c.session.Load()); s > 0 {
		earlier(c.start.Add(s))
	}
	return d
}

func (c *Conn) Read(b []byte) (int, error) {
	// c.mu is held while the deadline is set, so a concurrent
	// SetReadDeadline (a server interrupting a read) is never overwritten.
	c.mu.Lock()
	err := c.Conn.SetReadDeadline(c.deadline(c.readDeadline))
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *Conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	err := c.Conn.SetWriteDeadline(c.deadline(c.writeDeadline))
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// SetDeadline records the server's deadline for reads and writes; the
// idle and session timeouts still apply.
func (c *Conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline, c.writeDeadline = t, t
	return c.Conn.SetDeadline(t)
}

// SetReadDeadline records the server's read deadline (see SetDeadline).
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline records the server's write deadline (see SetDeadline).
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeDeadline = t
	return c.Conn.SetWriteDeadline(t)
}

// Close closes the connection and releases its counts once.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = c.Conn.Close()
		c.release()
	})
	return c.closeErr
}
