package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/queue"
	"github.com/axmail/axmail/internal/store"
)

// Mode is the protocol a Server speaks.
type Mode int

// Modes.
const (
	// ModeMX is inbound SMTP (RFC 5321) for the local domains, one reply
	// per message. It relays only for authenticated clients and
	// Options.RelayNetworks.
	ModeMX Mode = iota
	// ModeLMTP is LMTP (RFC 2033): one reply per recipient after DATA,
	// no AUTH.
	ModeLMTP
	// ModeSubmission is message submission (RFC 6409): AUTH before MAIL,
	// a sender the account owns, local and remote recipients.
	ModeSubmission
)

func (m Mode) String() string {
	switch m {
	case ModeMX:
		return "mx"
	case ModeLMTP:
		return "lmtp"
	case ModeSubmission:
		return "submission"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// DefaultMaxRecipients is the recipients per message when
// Options.MaxRecipients is 0, as Postfix's smtpd_recipient_limit (1000)
// and RFC 5321 §4.5.3.1.8's minimum (100) suggest for an MX.
const DefaultMaxRecipients = 100

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("smtpd: server closed")

// Options configures a Server.
type Options struct {
	// Mode is the protocol; the zero value is ModeMX.
	Mode Mode
	// Hostname names this server in the greeting and in Received headers;
	// "" means the system's host name.
	Hostname string
	// Store receives the messages. Required.
	Store *store.Store
	// Directory resolves recipients and their limits. Required.
	Directory *directory.Directory
	// MaxRecipients caps the recipients of one message (452 4.5.3 past
	// it); 0 means DefaultMaxRecipients.
	MaxRecipients int
	// MaxMessageSize is the server's cap on a message, advertised with
	// SIZE and enforced on top of each recipient's own limit; 0 means no
	// cap but the recipients' limits and the store's.
	MaxMessageSize int64
	// Logger receives operational events; nil discards them.
	Logger *slog.Logger
	// Now is the clock for Received headers, internal dates and the
	// per-hour sending counts; nil means time.Now.
	Now func() time.Time

	// TLSConfig enables STARTTLS (RFC 3207) when set; nil means no
	// STARTTLS. Ignored with ImplicitTLS.
	TLSConfig *tls.Config
	// ImplicitTLS tells the server that the listener it serves already
	// wraps every connection in TLS (tls.NewListener, "submissions" on
	// port 465): connections are *tls.Conn and STARTTLS is not offered.
	ImplicitTLS bool
	// InsecureAuth offers and accepts AUTH without TLS from any client;
	// false allows it only under TLS or from loopback.
	InsecureAuth bool
	// LoopbackInsecure stops counting loopback clients as secure, so that
	// they too need TLS for AUTH. The zero value counts them as secure,
	// as Dovecot does; tests set it to exercise the refusal.
	LoopbackInsecure bool
	// Authenticate checks a password and returns the canonical account
	// (the daemon passes auth.Login.Check). A wrong password is
	// auth.ErrBadCredentials; any other error is a temporary failure.
	// nil means no AUTH (refused by New in ModeSubmission).
	Authenticate func(ctx context.Context, username string, password []byte) (account string, err error)
	// RelayNetworks are the client networks allowed to relay without
	// AUTH in ModeMX; none by default, loopback not implied.
	RelayNetworks []netip.Prefix
	// Queue takes the messages for remote recipients (relayed, submitted,
	// or remote targets of local aliases); nil means remote delivery is
	// refused with 451 4.3.0.
	Queue Queue
}

// Queue is the outbound queue as smtpd uses it; *queue.Queue implements
// it. Enqueue returns after the message is on disk.
type Queue interface {
	Enqueue(ctx context.Context, env queue.Envelope, body []byte) (queue.Message, error)
}

var _ Queue = (*queue.Queue)(nil)

// Server is an SMTP or LMTP server delivering into the store. Its methods
// are safe for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger
	smtp *smtp.Server

	// ctx is the parent of every session's context, cancelled when
	// Shutdown gives up waiting.
	ctx    context.Context
	cancel context.CancelFunc

	closing atomic.Bool
	connID  atomic.Uint64
	// sent counts each authenticated account's messages in the last hour,
	// across every session of the server (not kept across restarts).
	sent *hourlyCounter

	mu       sync.Mutex
	sessions map[*session]struct{}
}

// New validates opts and returns a Server that is not yet serving.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("smtpd: no store")
	}
	if opts.Directory == nil {
		return nil, errors.New("smtpd: no directory")
	}
	if opts.Mode != ModeMX && opts.Mode != ModeLMTP && opts.Mode != ModeSubmission {
		return nil, fmt.Errorf("smtpd: unknown mode %d", int(opts.Mode))
	}
	if opts.Mode == ModeSubmission && opts.Authenticate == nil {
		return nil, errors.New("smtpd: submission needs Authenticate")
	}
	for _, p := range opts.RelayNetworks {
		if !p.IsValid() {
			return nil, fmt.Errorf("smtpd: relay network %v is not valid", p)
		}
	}
	if opts.MaxRecipients < 0 {
		return nil, fmt.Errorf("smtpd: max recipients %d is negative", opts.MaxRecipients)
	}
	if opts.MaxMessageSize < 0 {
		return nil, fmt.Errorf("smtpd: max message size %d is negative", opts.MaxMessageSize)
	}
	if opts.MaxRecipients == 0 {
		opts.MaxRecipients = DefaultMaxRecipients
	}
	opts.Hostname = listener.Hostname(opts.Hostname)
	if !safeHeaderToken(opts.Hostname) {
		return nil, fmt.Errorf("smtpd: hostname %q is not a domain", opts.Hostname)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger.With("service", opts.Mode.String()),
		sessions: make(map[*session]struct{}),
		sent:     newHourlyCounter(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = opts.Hostname
	srv.LMTP = opts.Mode == ModeLMTP
	srv.MaxRecipients = opts.MaxRecipients
	// MaxMessageBytes both advertises SIZE and caps the DATA reader and
	// BDAT chunks; each recipient's lower limit is applied in Data.
	srv.MaxMessageBytes = opts.MaxMessageSize
	// PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES and CHUNKING are always
	// on in go-smtp. The body is stored byte for byte, so UTF-8 headers
	// (RFC 6531) need nothing more of us. BINARYMIME stays off: the store
	// and IMAP expect a line-oriented message.
	srv.EnableSMTPUTF8 = true
	// DSN parameters are kept in the queue envelope for the outbound side.
	srv.EnableDSN = true
	if !opts.ImplicitTLS {
		srv.TLSConfig = opts.TLSConfig
	}
	// go-smtp allows AUTH only under its own TLS; the session decides
	// instead (auth.go), since loopback counts as secure and implicit TLS
	// sits under our connection wrapper.
	srv.AllowInsecureAuth = true
	srv.ErrorLog = errorLog{s.log}
	s.smtp = srv
	return s, nil
}

// Serve accepts connections on l until Shutdown; it returns
// ErrServerClosed after Shutdown, else the error that stopped it.
func (s *Server) Serve(l net.Listener) error {
	if s.closing.Load() {
		return ErrServerClosed
	}
	err := s.smtp.Serve(watchListener{Listener: l, implicitTLS: s.opts.ImplicitTLS})
	if s.closing.Load() {
		return ErrServerClosed
	}
	if err == nil {
		// go-smtp returns nil only once closed.
		return ErrServerClosed
	}
	return fmt.Errorf("smtpd: serve: %w", err)
}

// Shutdown stops accepting connections and ends the open sessions: a
// session waiting for a command is told 421 and closed; a message whose
// bytes are being read is abandoned (nothing stored, nothing
// acknowledged: the client retries); a message already being stored gets
// its reply first. If ctx ends before the sessions do, the remaining
// connections are closed and ctx's error returned. A connection that
// never sent EHLO has no session and ends with its idle timeout (that of
// the listener package) or its client.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.closing.CompareAndSwap(false, true) {
		return ErrServerClosed
	}
	// A past read deadline ends the wait for the next command: go-smtp
	// replies 421 4.4.2 and closes. Writes are unaffected, so a reply in
	// flight still reaches the client.
	s.mu.Lock()
	for ss := range s.sessions {
		_ = ss.conn.Conn().SetReadDeadline(time.Now())
	}
	s.mu.Unlock()

	err := s.smtp.Shutdown(ctx)
	if ctx.Err() != nil {
		s.cancel()
		s.mu.Lock()
		for ss := range s.sessions {
			_ = ss.conn.Conn().Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
	s.cancel()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// newSession is go-smtp's Backend: it is called at EHLO/LHLO.
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	if s.closing.Load() {
		// End the connection after the 421 rather than wait for the
		// client's next command.
		_ = c.Conn().SetReadDeadline(time.Now())
		return nil, replyShuttingDown
	}
	ss := newSession(s, c)
	s.mu.Lock()
	s.sessions[ss] = struct{}{}
	s.mu.Unlock()
	return ss, nil
}

func (s *Server) endSession(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
}

// errorLog adapts go-smtp's internal error reports (connection errors,
// recovered panics with their stack) to slog.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Printf(format string, v ...any) {
	l.log.Warn("smtp connection error", "detail", fmt.Sprintf(format, v...))
}

func (l errorLog) Println(v ...any) {
	l.log.Warn("smtp connection error", "detail", fmt.Sprint(v...))
}
