package pop3d

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
)

// A client that retrieves a maildrop one RETR at a time waits a whole
// round trip per message, and the store's part of it (the index lookup,
// the pread, the dot-stuffing) is time the client spends waiting. So
// once a RETR's reply is flushed and no command waits in the input, the
// session reads the next message's reply ahead, while the client is
// still reading the last one, and sends it from memory if the next
// command asks for it.

// aheadMax bounds a reply read ahead: "+OK n octets", the message as
// sent and the final ".". Larger messages are streamed when asked for.
const aheadMax = 32 << 10

// aheadHeader is the room kept before the message for "+OK n octets".
const aheadHeader = 32

// defaultAheadBudget bounds the read-ahead buffers of all the sessions
// of a Server together: past it, sessions stream every message.
const defaultAheadBudget = 8 << 20

var errAheadTooBig = errors.New("pop3d: message too big to read ahead")

// aheadBuffers is the pool of read-ahead buffers of a Server and the
// budget that bounds how many are held at once, idle sessions included.
type aheadBuffers struct {
	pool   sync.Pool
	budget int64
	held   atomic.Int64
}

// get returns a buffer of aheadHeader+aheadMax bytes, or nil when the
// budget is spent.
func (a *aheadBuffers) get() *[]byte {
	const size = aheadHeader + aheadMax
	if a.held.Add(size) > a.budget {
		a.held.Add(-size)
		return nil
	}
	if b, ok := a.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, size)
	return &b
}

func (a *aheadBuffers) put(b *[]byte) {
	a.held.Add(-int64(len(*b)))
	a.pool.Put(b)
}

// readAhead is a session's reply read ahead: the whole RETR reply of
// message number n.
type readAhead struct {
	n     int     // 0: none
	buf   *[]byte // from the Server's aheadBuffers
	start int     // the reply is (*buf)[start:end]
	end   int
}

// appendBuf is an io.Writer that appends to b within its capacity.
type appendBuf struct{ b []byte }

func (w *appendBuf) Write(p []byte) (int, error) {
	if len(p) > cap(w.b)-len(w.b) {
		return 0, errAheadTooBig
	}
	w.b = append(w.b, p...)
	return len(p), nil
}

// readAhead renders the reply to RETR of the message after the one the
// client last retrieved, unless it is deleted, already read ahead or
// too big. A failure is silent: the RETR, if it comes, then reads the
// store itself and reports the failure.
func (ss *session) readAhead() {
	n := ss.lastRETR + 1
	if ss.lastRETR == 0 || n > len(ss.md.msgs) || ss.ahead.n == n {
		return
	}
	m := &ss.md.msgs[n-1]
	if m.deleted || m.size > aheadMax {
		return
	}
	ss.dropAhead()
	buf := ss.srv.ahead.get()
	if buf == nil {
		return
	}
	end, size, err := ss.renderRETR(m, *buf)
	if err != nil {
		ss.srv.ahead.put(buf)
		return
	}
	if m.size < 0 {
		ss.srv.sizes.put(m.guid, size)
		m.size = size
	}
	var hb [aheadHeader]byte
	h := append(strconv.AppendInt(append(hb[:0], "+OK "...), size, 10), " octets\r\n"...)
	start := aheadHeader - len(h)
	copy((*buf)[start:], h)
	ss.ahead = readAhead{n: n, buf: buf, start: start, end: end}
}

// renderRETR writes message m as sent and the final "." into buf after
// its first aheadHeader bytes, as send would stream it, and returns the
// end of what it wrote and the size as sent.
func (ss *session) renderRETR(m *dropMsg, buf []byte) (end int, size int64, err error) {
	r, err := ss.srv.opts.Store.OpenMessage(m.guid)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	if r.Size() > aheadMax {
		// A message only grows as sent (CRLF for bare LF, stuffed dots).
		return 0, 0, errAheadTooBig
	}
	chunk := ss.srv.chunks.get()
	defer ss.srv.chunks.put(chunk)
	w := appendBuf{b: buf[:aheadHeader]}
	lw := lineWriter{w: &w, stuff: true}
	if err := copyMessage(ss.srv.base, &lw, r, *chunk); err != nil {
		return 0, 0, err
	}
	if _, err := w.Write([]byte(".\r\n")); err != nil {
		return 0, 0, err
	}
	return len(w.b), lw.n, nil
}

// takeAhead returns the reply read ahead for message n, if any; it is
// valid until the next dropAhead.
func (ss *session) takeAhead(n int) ([]byte, bool) {
	if ss.ahead.n != n || n == 0 {
		return nil, false
	}
	return (*ss.ahead.buf)[ss.ahead.start:ss.ahead.end], true
}

// dropAhead gives the read-ahead buffer back.
func (ss *session) dropAhead() {
	if ss.ahead.buf != nil {
		ss.srv.ahead.put(ss.ahead.buf)
	}
	ss.ahead = readAhead{}
}
