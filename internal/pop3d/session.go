package pop3d

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/axmail/axmail/internal/listener"
)

// state is a session's RFC 1939 state; UPDATE is the QUIT handler.
type state int

const (
	stateAuthorization state = iota
	stateTransaction
)

// maxDiscardLine is how much of an over-long line is read and thrown away
// before the session is ended instead: a client that never sends a line
// ending is not talking POP3.
const maxDiscardLine = 64 << 10

var (
	errLineTooLong = errors.New("pop3d: line too long")
	errLineAbsurd  = errors.New("pop3d: line far too long")
	errShutdown    = errors.New("pop3d: shutting down")
)

// session is one client connection.
type session struct {
	srv *Server
	log *slog.Logger
	// ctx ends when the server shuts down; it is the session's context
	// for the calls it makes on the client's behalf.
	ctx    context.Context
	cancel context.CancelFunc

	connMu sync.Mutex
	conn   net.Conn // the client: *tls.Conn after STLS or with implicit TLS
	lconn  *listener.Conn
	guard  *listener.Guard
	ip     netip.Addr
	start  time.Time // by Options.Now, for the log
	// accepted is when the connection was accepted, in real time, for
	// the activity timeout of a connection that is not a *listener.Conn.
	accepted time.Time

	br *bufio.Reader
	bw *bufio.Writer

	// Own timeouts, applied only when lconn is nil.
	idle       time.Duration
	sessionEnd time.Time

	state   state
	tls     bool
	user    string // from USER, waiting for PASS
	account string // after login, with the maildrop locked
	md      *maildrop

	lastRETR int       // number of the message last retrieved; 0: none
	ahead    readAhead // the reply to RETR lastRETR+1, read ahead
}

func newSession(s *Server, c net.Conn) *session {
	ss := &session{srv: s, conn: c, start: s.opts.Now(), accepted: time.Now(), idle: s.opts.IdleTimeout}
	ss.ctx, ss.cancel = context.WithCancel(s.stop)
	ss.log = s.log.With("conn", s.connID.Add(1), "remote", c.RemoteAddr().String())
	ss.lconn, ss.guard, ss.ip = listener.Guarded(c)
	_, ss.tls = c.(*tls.Conn)
	ss.tls = ss.tls || s.opts.ImplicitTLS
	ss.br = bufio.NewReaderSize(sessionIO{ss}, 4096)
	ss.bw = bufio.NewWriterSize(sessionIO{ss}, 32<<10)
	return ss
}

// sessionIO reads and writes the session's current connection, applying
// the session's own timeouts when the connection is not a *listener.Conn
// (which applies its own).
type sessionIO struct{ ss *session }

func (sio sessionIO) Read(p []byte) (int, error) {
	ss := sio.ss
	c := ss.currentConn()
	if ss.lconn == nil {
		_ = c.SetReadDeadline(ss.deadline())
	}
	// Checked after the deadline is set: Shutdown sets closing before it
	// sets its past deadline, so one of the two stops this read.
	if ss.srv.closing.Load() {
		return 0, errShutdown
	}
	return c.Read(p)
}

func (sio sessionIO) Write(p []byte) (int, error) {
	ss := sio.ss
	c := ss.currentConn()
	if ss.lconn == nil {
		_ = c.SetWriteDeadline(ss.deadline())
	}
	return c.Write(p)
}

// deadline is the earliest of the idle and session timeouts from now; the
// zero time when neither applies.
func (ss *session) deadline() time.Time {
	var d time.Time
	if ss.idle > 0 {
		d = time.Now().Add(ss.idle)
	}
	if !ss.sessionEnd.IsZero() && (d.IsZero() || ss.sessionEnd.Before(d)) {
		d = ss.sessionEnd
	}
	return d
}

func (ss *session) currentConn() net.Conn {
	ss.connMu.Lock()
	defer ss.connMu.Unlock()
	return ss.conn
}

// interrupt ends the wait for the next command (Shutdown).
func (ss *session) interrupt() {
	ss.cancel()
	_ = ss.currentConn().SetReadDeadline(time.Now())
}

// close releases the maildrop and the connection. Nothing marked deleted
// is removed: only QUIT does that.
func (ss *session) close() {
	if ss.account != "" {
		ss.srv.unlock(ss.account, ss)
	}
	ss.dropAhead()
	_ = ss.bw.Flush()
	_ = ss.currentConn().Close()
	ss.cancel()
	ss.log.Debug("connection closed", "duration", ss.srv.opts.Now().Sub(ss.start))
}

// reply writes one line; it is flushed before the next read.
func (ss *session) reply(format string, args ...any) {
	fmt.Fprintf(ss.bw, format, args...)
	ss.bw.WriteString("\r\n")
}

// replyAppend writes one line that build appends to the writer's free
// space, without fmt: for the replies sent once per message (RETR's
// "+OK n octets", the lines of LIST and UIDL), where fmt's boxing and
// formatting showed in the profile.
func (ss *session) replyAppend(build func(b []byte) []byte) {
	b := append(build(ss.bw.AvailableBuffer()), crlf...)
	ss.bw.Write(b)
}

// bad replies to a bad or unknown command and reports whether the Guard
// now ends the session.
func (ss *session) bad(text string) (quit bool) {
	if ss.guard.BadCommand() {
		ss.log.Info("session dropped after bad commands")
		ss.reply("-ERR too many bad commands, closing connection")
		return true
	}
	ss.reply("-ERR %s", text)
	return false
}

// serve runs the session until QUIT, an error or the end of the
// connection.
func (ss *session) serve() {
	ss.log.Debug("connection opened")
	ss.reply("+OK %s POP3 server ready", ss.srv.opts.Hostname)
	for {
		if ss.srv.closing.Load() {
			ss.reply("-ERR [SYS/TEMP] server shutting down")
			return
		}
		if ss.state == stateTransaction && ss.br.Buffered() == 0 {
			// The replies go out first: the client waits for them.
			// readLine sees the error of a failed flush.
			if ss.bw.Flush() == nil {
				ss.readAhead()
			}
		}
		line, err := ss.readLine(maxCommandLine)
		switch {
		case err == nil:
		case errors.Is(err, errLineTooLong):
			if ss.bad("line too long") {
				return
			}
			continue
		default:
			ss.readFailed(err)
			return
		}
		cmd, err := parseCommand(line)
		if err != nil {
			if ss.bad("malformed command") {
				return
			}
			continue
		}
		if quit := ss.dispatch(cmd); quit {
			return
		}
	}
}

// readFailed ends the session after a failed read, telling the client why
// when it is still there to hear it.
func (ss *session) readFailed(err error) {
	switch {
	case errors.Is(err, errLineAbsurd):
		ss.log.Info("session dropped: line without end")
		ss.reply("-ERR line too long, closing connection")
	case errors.Is(err, errShutdown) || ss.srv.closing.Load():
		ss.reply("-ERR [SYS/TEMP] server shutting down")
	case errors.Is(err, os.ErrDeadlineExceeded):
		ss.log.Info("autologout")
		ss.graceForFarewell()
		ss.reply("-ERR autologout: idle for too long")
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed):
		ss.log.Debug("connection closed by client")
	default:
		ss.log.Debug("read failed", "err", err)
	}
}

// farewellTimeout bounds the write of the last reply after a timeout.
const farewellTimeout = 5 * time.Second

// graceForFarewell lifts the expired timeouts for the last reply, which
// would otherwise fail at once under an expired session deadline.
// A reply whose write the deadline cut is dropped: the writer keeps its
// error, and the client is gone or about to be told why.
func (ss *session) graceForFarewell() {
	if ss.lconn != nil {
		ss.lconn.SetSessionTimeout(0)
		ss.lconn.SetIdleTimeout(farewellTimeout)
	} else {
		ss.idle, ss.sessionEnd = farewellTimeout, time.Time{}
	}
	if err := ss.bw.Flush(); err != nil {
		ss.bw.Reset(sessionIO{ss})
	}
}

// readLine reads one line of at most max octets, line ending included,
// and returns it without its ending (LF or CRLF). A longer line is read to
// its end and discarded (errLineTooLong), up to maxDiscardLine
// (errLineAbsurd). Pending replies are flushed first unless more input
// is already buffered, so that pipelined commands get their replies in
// few writes (RFC 2449 §6.6).
func (ss *session) readLine(max int) (string, error) {
	if ss.br.Buffered() == 0 {
		if err := ss.bw.Flush(); err != nil {
			return "", err
		}
	}
	frag, err := ss.br.ReadSlice('\n')
	if err == nil && len(frag) <= max {
		// The common case: the whole line is in the reader's buffer, so
		// the string is the one copy made.
		return string(trimEnding(frag)), nil
	}
	var buf []byte
	total, tooLong := 0, false
	for first := true; ; first = false {
		if !first {
			frag, err = ss.br.ReadSlice('\n')
		}
		total += len(frag)
		if !tooLong {
			if len(buf)+len(frag) > max {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, frag...)
			}
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if total > maxDiscardLine {
				return "", errLineAbsurd
			}
			continue
		}
		return "", err
	}
	if tooLong {
		return "", errLineTooLong
	}
	return string(trimEnding(buf)), nil
}

// trimEnding cuts the LF or CRLF that ends line.
func trimEnding(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}
