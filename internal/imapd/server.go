package imapd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/store"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("imapd: server closed")

// DefaultAppendLimit is the APPENDLIMIT advertised to an account whose
// effective MaxMessageSize is 0 (no limit of its own).
const DefaultAppendLimit = 64 << 20

// Options configures a Server.
type Options struct {
	// Hostname is this server's name; "" means the system's host name.
	// go-imap's greeting has a fixed text, so it shows only in the log
	// when serving starts.
	Hostname string
	// Store holds the mailboxes. Required.
	Store *store.Store
	// Directory gives each account's settings (enabled, services, quota,
	// size limit, timeouts). Required.
	Directory *directory.Directory
	// Authenticate checks a password and returns the canonical account
	// (the daemon passes auth.Login.Check). A wrong password is
	// auth.ErrBadCredentials; any other error is a temporary failure.
	// Required.
	Authenticate func(ctx context.Context, username string, password []byte) (account string, err error)
	// TLSConfig enables STARTTLS when set; nil means no STARTTLS. Ignored
	// with ImplicitTLS.
	TLSConfig *tls.Config
	// ImplicitTLS tells the server that the listener it serves already
	// wraps every connection in TLS (imaps, port 993): STARTTLS is not
	// offered and every client may log in.
	ImplicitTLS bool
	// InsecureAuth allows LOGIN and AUTHENTICATE without TLS from any
	// client; false allows them only under TLS or from loopback.
	InsecureAuth bool
	// LoopbackInsecure stops counting loopback clients as secure, so that
	// they too need TLS to log in. The zero value counts them as secure,
	// as Dovecot does; tests set it to exercise the refusal.
	LoopbackInsecure bool
	// Version is the daemon's version, sent in the ID response (RFC
	// 2971); "" leaves it out.
	Version string
	// Logger receives operational events; nil discards them.
	Logger *slog.Logger
}

// Server is an IMAP server over the store. Its methods are safe for
// concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger

	// ctx is the parent of every session's context, cancelled when
	// Shutdown gives up waiting.
	ctx    context.Context
	cancel context.CancelFunc

	// open lets clients log in without TLS (loopback, InsecureAuth,
	// implicit TLS); strict needs STARTTLS first and says LOGINDISABLED
	// until then. imapserver decides this per server, not per connection,
	// so each accepted connection is handed to one of the two.
	open, strict   *imapserver.Server
	openL, strictL *chanListener
	startOnce      sync.Once
	inner          sync.WaitGroup

	closing atomic.Bool
	connID  atomic.Uint64

	mu        sync.Mutex
	sessions  map[*session]struct{}
	listeners map[net.Listener]struct{}
	conns     map[*watchConn]struct{}
}

// New validates opts and returns a Server that is not yet serving.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("imapd: no store")
	}
	if opts.Directory == nil {
		return nil, errors.New("imapd: no directory")
	}
	if opts.Authenticate == nil {
		return nil, errors.New("imapd: no Authenticate")
	}
	if opts.ImplicitTLS {
		opts.TLSConfig = nil
	}
	opts.Hostname = listener.Hostname(opts.Hostname)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger.With("service", "imap"),
		sessions:  make(map[*session]struct{}),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*watchConn]struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	caps := imap.CapSet{
		imap.CapIMAP4rev1:        {},
		imap.CapIMAP4rev2:        {},
		imap.CapBinary:           {},
		imap.CapSearchRes:        {},
		imap.CapNamespace:        {},
		imap.CapUIDPlus:          {},
		imap.CapESearch:          {},
		imap.CapListExtended:     {},
		imap.CapListStatus:       {},
		imap.CapMove:             {},
		imap.CapStatusSize:       {},
		imap.CapChildren:         {},
		imap.CapSpecialUse:       {},
		imap.CapCreateSpecialUse: {},
		imap.CapLiteralPlus:      {},
		imap.CapCondStore:        {},
		imap.CapQResync:          {},
		imap.CapQuota:            {},
		imap.CapID:               {},
	}
	lib := libLogger{s.log}
	s.open = imapserver.New(&imapserver.Options{
		NewSession: s.newSession, Caps: caps, Logger: lib,
		TLSConfig: opts.TLSConfig, InsecureAuth: true,
	})
	s.strict = imapserver.New(&imapserver.Options{
		NewSession: s.newSession, Caps: caps, Logger: lib,
		TLSConfig: opts.TLSConfig, InsecureAuth: false,
	})
	s.openL, s.strictL = newChanListener(), newChanListener()
	return s, nil
}

// Serve accepts connections on l until Shutdown; it returns
// ErrServerClosed after Shutdown, else the error that stopped it.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	s.log.Info("serving", "addr", l.Addr().String(), "hostname", s.opts.Hostname, "implicit_tls", s.opts.ImplicitTLS, "starttls", s.opts.TLSConfig != nil)
	s.startOnce.Do(func() {
		s.inner.Add(2)
		go func() { defer s.inner.Done(); _ = s.open.Serve(s.openL) }()
		go func() { defer s.inner.Done(); _ = s.strict.Serve(s.strictL) }()
	})
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("imapd: accept: %w", err)
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does, rather than stop serving.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed", "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-s.ctx.Done():
				return ErrServerClosed
			}
			continue
		}
		backoff = 0
		wc := newWatchConn(c)
		if !s.track(wc) {
			_ = c.Close()
			return ErrServerClosed
		}
		target := s.strictL
		if listener.PasswordsAllowed(s.opts.ImplicitTLS, s.opts.InsecureAuth, s.opts.LoopbackInsecure, wc.guard.IP()) {
			target = s.openL
		}
		target.hand(wc)
	}
}

// Shutdown stops accepting connections and ends the open sessions with
// "* BYE": a command in progress finishes its store call first, but its
// reply may be lost, so the client retries (an APPEND may then be stored
// twice, never lost). If ctx ends before the sessions do, the remaining
// connections are closed and ctx's error returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing.CompareAndSwap(false, true) {
		s.mu.Unlock()
		return ErrServerClosed
	}
	for l := range s.listeners {
		_ = l.Close()
	}
	sessions := make([]*session, 0, len(s.sessions))
	for ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	s.mu.Unlock()
	s.openL.Close()
	s.strictL.Close()
	for _, ss := range sessions {
		go func() { _ = ss.conn.Bye("Server shutting down") }()
	}
	var err error
	for {
		s.mu.Lock()
		n := len(s.sessions)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-shortTick():
			continue
		}
		break
	}
	s.cancel()
	// imapserver.Server.Close is not used: it races with a Serve that
	// has not started yet. Closing the connections ends their sessions,
	// closing the chanListeners ends imapserver's accept loops.
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Conn.Close()
	}
	s.mu.Unlock()
	s.inner.Wait()
	return err
}

// track records an accepted connection until it is closed, for Shutdown;
// false when the server is closing.
func (s *Server) track(c *watchConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	c.onClose = func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}
	return true
}

func (s *Server) addSession(ss *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.sessions[ss] = struct{}{}
	return true
}

func (s *Server) removeSession(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
}

// libLogger turns imapserver's Printf logging into slog records.
type libLogger struct{ log *slog.Logger }

func (l libLogger) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case strings.HasPrefix(msg, "panic"):
		l.log.Error("imap library panic", "detail", msg)
	case strings.HasPrefix(msg, "failed to read command"), strings.HasPrefix(msg, "failed to write"):
		// A client that went away or sent garbage.
		l.log.Debug("imap connection ended", "detail", msg)
	default:
		l.log.Warn("imap library", "detail", msg)
	}
}

// Reject writes the refusal of a connection that a listener.Listener does
// not admit (listener.Options.Reject): an untagged BYE (RFC 9051 §7.1.5)
// with a short reason, temporary ones inviting a retry. Under implicit TLS
// it must be given the TLS connection, not the raw one.
func Reject(conn net.Conn, reason listener.Reason) {
	text := "Access denied"
	if reason.Temporary() {
		text = "Too many connections, try again later"
	}
	_, _ = io.WriteString(conn, "* BYE "+text+"\r\n")
}
