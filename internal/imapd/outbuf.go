package imapd

import (
	"net"
	"sync"
	"time"
)

// imapserver flushes its 4 KiB writer after every response, so 100,000
// FETCH responses would be 100,000 write syscalls and an 8 KiB message
// several. outBuffer gathers them: it is sent when the connection is about
// to read the next command (the client waits for the replies before it
// sends one), when it is full, and outFlushDelay after the first byte was
// buffered, so that unsolicited updates (IDLE's EXISTS and EXPUNGE, written
// while imapserver blocks reading) still go out at once.
//
// The buffer comes from a pool and goes back to it whenever it has been
// sent on the way to a read or by the timer, so an idle connection holds
// none.
const (
	outBufferSize = 64 << 10
	outFlushDelay = 500 * time.Microsecond
	// flushTimeout bounds a send of the buffer that imapserver did not
	// ask for (its write deadline covers only its own writes).
	flushTimeout = 30 * time.Second
	// closeFlushTimeout bounds the last send before a close.
	closeFlushTimeout = 5 * time.Second
)

var outBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, outBufferSize)
	return &b
}}

// outBuffer is the write buffer of one connection. The caller serialises
// its methods (watchConn.mu).
type outBuffer struct {
	conn       net.Conn
	timerFlush func() // runs on the timer's goroutine; takes the lock itself
	buf        *[]byte
	timer      *time.Timer
	armed      bool
	err        error // sticky: the first failed send
	closing    bool  // the connection is being closed: sends get closeFlushTimeout
}

// write buffers b, sending the buffer first when b does not fit and b
// itself when it is at least as large as the buffer.
func (o *outBuffer) write(b []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if o.buf != nil && len(*o.buf)+len(b) > outBufferSize {
		if err := o.flush(false); err != nil {
			return 0, err
		}
	}
	if len(b) >= outBufferSize {
		n, err := o.send(b)
		return n, err
	}
	if o.buf == nil {
		o.buf = outBuffers.Get().(*[]byte)
	}
	*o.buf = append(*o.buf, b...)
	if !o.armed {
		o.armed = true
		if o.timer == nil {
			o.timer = time.AfterFunc(outFlushDelay, o.timerFlush)
		} else {
			o.timer.Reset(outFlushDelay)
		}
	}
	return len(b), nil
}

// flush sends what is buffered; release gives the buffer back to the pool.
func (o *outBuffer) flush(release bool) error {
	if o.buf == nil {
		return o.err
	}
	var err error
	if len(*o.buf) > 0 && o.err == nil {
		_, err = o.send(*o.buf)
	}
	*o.buf = (*o.buf)[:0]
	if release {
		outBuffers.Put(o.buf)
		o.buf = nil
	}
	if o.armed {
		o.armed = false
		o.timer.Stop()
	}
	return err
}

func (o *outBuffer) send(b []byte) (int, error) {
	d := flushTimeout
	if o.closing {
		d = closeFlushTimeout
	}
	_ = o.conn.SetWriteDeadline(time.Now().Add(d))
	n, err := o.conn.Write(b)
	if err != nil && o.err == nil {
		o.err = err
	}
	return n, err
}

// stop drops the buffer and the timer, for a connection being closed;
// later writes fail.
func (o *outBuffer) stop() {
	if o.err == nil {
		o.err = net.ErrClosed
	}
	if o.timer != nil {
		o.timer.Stop()
		o.armed = false
	}
	if o.buf != nil {
		*o.buf = (*o.buf)[:0]
		outBuffers.Put(o.buf)
		o.buf = nil
	}
}
