package pop3d

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/store"
)

// DefaultIdleTimeout is the idle timeout before login of a connection that
// is not a *listener.Conn, when Options.IdleTimeout is 0: RFC 1939 §3's
// autologout timer must be at least 10 minutes.
const DefaultIdleTimeout = 10 * time.Minute

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("pop3d: server closed")

// Options configures a Server.
type Options struct {
	// Hostname names this server in the greeting; "" means the system's
	// host name.
	Hostname string
	// Store holds the maildrops (each account's INBOX). Required.
	Store *store.Store
	// Directory gives each account's settings: enabled, the "pop3"
	// service, idle and activity timeouts. Required.
	Directory *directory.Directory
	// Authenticate checks a password and returns the canonical account
	// (the daemon passes auth.Login.Check). A wrong password is
	// auth.ErrBadCredentials; any other error is a temporary failure.
	// Required.
	Authenticate func(ctx context.Context, username string, password []byte) (account string, err error)
	// TLSConfig enables STLS (RFC 2595); nil means no STLS. Ignored with
	// ImplicitTLS.
	TLSConfig *tls.Config
	// ImplicitTLS tells the server that the listener it serves already
	// speaks TLS (pop3s, port 995), whatever wraps it: every connection
	// counts as secure and STLS is not offered.
	ImplicitTLS bool
	// InsecureAuth allows USER/PASS and AUTH PLAIN without TLS from any
	// client; false allows them only under TLS or from loopback.
	InsecureAuth bool
	// LoopbackInsecure stops counting loopback clients as secure, so that
	// they too need TLS to log in. The zero value counts them as secure,
	// as Dovecot does; tests set it to exercise the refusal.
	LoopbackInsecure bool
	// IdleTimeout is the autologout timer before login of a connection
	// that is not a *listener.Conn (a *listener.Conn applies its own);
	// after login the account's idle and activity timeouts apply. 0 means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Logger receives operational events; nil discards them.
	Logger *slog.Logger
	// Now is the clock of the session lengths in the logs; nil means
	// time.Now. Deadlines use the real time, as the net package does.
	Now func() time.Time
}

// Server is a POP3 server over the store. Its methods are safe for
// concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger

	// base is the parent of what must outlive a client's disconnection
	// (the removal at QUIT); it ends only when Shutdown gives up waiting.
	base       context.Context
	cancelBase context.CancelFunc
	// stop is the parent of every session's context, cancelled when
	// Shutdown starts, so that waits (an AUTH delay) end at once.
	stop       context.Context
	cancelStop context.CancelFunc

	closing atomic.Bool
	connID  atomic.Uint64
	sizes   *sizeCache
	chunks  chunkPool
	ahead   aheadBuffers

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	sessions  map[*session]struct{}
	// locked maps a locked maildrop (lower-case account) to its session:
	// one POP3 session per maildrop (RFC 1939 §4).
	locked map[string]*session
	wg     sync.WaitGroup
}

// New validates opts and returns a Server that is not yet serving.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("pop3d: no store")
	}
	if opts.Directory == nil {
		return nil, errors.New("pop3d: no directory")
	}
	if opts.Authenticate == nil {
		return nil, errors.New("pop3d: no Authenticate")
	}
	if opts.IdleTimeout < 0 {
		return nil, fmt.Errorf("pop3d: idle timeout %v is negative", opts.IdleTimeout)
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	opts.Hostname = listener.Hostname(opts.Hostname)
	if strings.ContainsAny(opts.Hostname, " \r\n\x00") {
		return nil, fmt.Errorf("pop3d: hostname %q is not a domain", opts.Hostname)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger.With("service", "pop3"),
		sizes:     newSizeCache(defaultSizeCacheEntries),
		ahead:     aheadBuffers{budget: defaultAheadBudget},
		listeners: make(map[net.Listener]struct{}),
		sessions:  make(map[*session]struct{}),
		locked:    make(map[string]*session),
	}
	s.base, s.cancelBase = context.WithCancel(context.Background())
	s.stop, s.cancelStop = context.WithCancel(s.base)
	return s, nil
}

// Serve accepts connections on l until Shutdown; it returns
// ErrServerClosed after Shutdown, else the error that stopped it. Each
// connection is served in its own goroutine.
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
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			if transientAccept(err) {
				// Out of descriptors, or a connection aborted before
				// it was accepted: wait, as net/http does, rather than
				// spin or give up.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("pop3d: accept: %w", err)
		}
		backoff = 0
		ss := newSession(s, c)
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			_ = c.Close()
			return ErrServerClosed
		}
		s.sessions[ss] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.run(ss)
	}
}

// transientAccept reports whether an Accept error may clear by itself.
func transientAccept(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ENOBUFS)
}

// run serves one connection; it is a goroutine root, so a panic ends this
// session alone.
func (s *Server) run(ss *session) {
	defer s.wg.Done()
	defer func() {
		if r := recover(); r != nil {
			ss.log.Error("session panic", "panic", r, "stack", string(debug.Stack()))
		}
		ss.close()
		s.mu.Lock()
		delete(s.sessions, ss)
		s.mu.Unlock()
	}()
	ss.serve()
}

// Shutdown stops accepting connections and ends the open sessions: a
// session waiting for a command is told "-ERR [SYS/TEMP]" and closed
// without applying its deletions (only QUIT applies them); a command in
// progress (a RETR being streamed, the removal at QUIT) completes first.
// If ctx ends before the sessions do, their connections are closed and
// ctx's error returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing.CompareAndSwap(false, true) {
		s.mu.Unlock()
		return ErrServerClosed
	}
	var errs []error
	for l := range s.listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	s.cancelStop()
	// A past read deadline ends the wait for the next command; writes
	// are unaffected, so a reply in flight still reaches the client.
	for ss := range s.sessions {
		ss.interrupt()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancelBase()
		return errors.Join(errs...)
	case <-ctx.Done():
		s.cancelBase()
		s.mu.Lock()
		for ss := range s.sessions {
			_ = ss.currentConn().Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// lock takes the maildrop lock of account for ss; false if another session
// holds it.
func (s *Server) lock(account string, ss *session) bool {
	key := strings.ToLower(account)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, held := s.locked[key]; held {
		return false
	}
	s.locked[key] = ss
	return true
}

// unlock releases the maildrop lock of account if ss holds it.
func (s *Server) unlock(account string, ss *session) {
	key := strings.ToLower(account)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked[key] == ss {
		delete(s.locked, key)
	}
}
