package daemon

import "time"

// drain makes every read on the listener's connections fail from now on,
// open ones and any accepted later. The protocol server takes the failed
// read for an idle timeout, says so (SMTP 421 4.4.2) and closes. It is
// what ends, at shutdown, the connections that the server itself cannot
// reach: smtpd's Shutdown interrupts sessions, but a client that connected
// and never sent EHLO has none and would hold the stop for the whole
// shutdown_timeout. Writes are untouched, so a reply in flight (a message
// being stored) still reaches its client.
func (l *limitedListener) drain() {
	l.draining.Store(true)
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		_ = c.Conn.SetReadDeadline(time.Now())
	}
}

// SetReadDeadline keeps a draining connection's reads failing: the layers
// above set a deadline before each read (the listener's idle timeout).
func (c *limitedConn) SetReadDeadline(t time.Time) error {
	if c.l.draining.Load() {
		t = time.Now()
	}
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline is SetReadDeadline and SetWriteDeadline.
func (c *limitedConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}
