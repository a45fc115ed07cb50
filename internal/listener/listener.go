package listener

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Reason says why a connection was refused.
type Reason int

// Reasons for refusing a connection, in the order they are checked.
const (
	ReasonDenied    Reason = iota + 1 // matched a deny rule
	ReasonBanned                      // the IP is banned (see Penalties)
	ReasonBusy                        // the listener is at MaxSessions
	ReasonRuleLimit                   // the rule is at MaxConnections
	ReasonIPLimit                     // the IP is at the rule's MaxConnectionsPerIP
	ReasonRate                        // the rule is at Rate for this interval
	ReasonIPRate                      // the IP is at the rule's RatePerIP for this interval
	numReasons
)

var reasonNames = [numReasons]string{"", "denied", "banned", "max_sessions", "max_connections", "max_connections_per_ip", "rate", "rate_per_ip"}

func (r Reason) String() string {
	if r <= 0 || r >= numReasons {
		return fmt.Sprintf("reason(%d)", int(r))
	}
	return reasonNames[r]
}

// Temporary reports whether the refusal is about load or rate, so that the
// client should retry later (SMTP 421 4.3.2 or 4.7.0), rather than about
// who the client is (deny rule, ban).
func (r Reason) Temporary() bool { return r >= ReasonBusy && r < numReasons }

// DefaultRejectTimeout bounds a Reject call when Options.RejectTimeout is 0.
const DefaultRejectTimeout = 5 * time.Second

// maxRejecting bounds the refusals written at once; beyond it a refused
// connection is closed without a reply, so a flood cannot pile up
// goroutines.
const maxRejecting = 256

// Options configures a Listener.
type Options struct {
	// Name names the listener in logs and Stats ("smtp", "imap").
	Name string
	// Rules are the ordered client rules; nil means none, so every client
	// is admitted with no per-rule limits.
	Rules []Rule
	// MaxSessions caps the listener's simultaneous connections. 0 means no
	// limit.
	MaxSessions int
	// MaxBadCommands is the number of bad or unknown commands after which
	// a Guard drops the session. 0 means 20 (Postfix's
	// smtpd_hard_error_limit); negative means never.
	MaxBadCommands int
	// MaxAuthFailures is the number of failed AUTHs after which a Guard
	// drops the session. 0 means 3; negative means never.
	MaxAuthFailures int
	// IdleTimeout is each connection's initial idle timeout (see
	// Conn.SetIdleTimeout). 0 means none.
	IdleTimeout time.Duration
	// SessionTimeout is each connection's initial session (activity)
	// timeout (see Conn.SetSessionTimeout). 0 means none.
	SessionTimeout time.Duration
	// Penalties is the per-IP penalty table, which listeners may share.
	// nil means a table of the listener's own with default PenaltyOptions
	// and this Clock and Logger.
	Penalties *Penalties
	// Reject writes the protocol's refusal ("421 4.3.2 ..." for SMTP,
	// "* BYE ..." for IMAP, "-ERR ..." for POP3) to a refused connection;
	// the Listener closes it afterwards. It runs in its own goroutine with
	// a write deadline of RejectTimeout. nil means close without a word.
	Reject func(conn net.Conn, reason Reason)
	// RejectTimeout bounds Reject. 0 means DefaultRejectTimeout.
	RejectTimeout time.Duration
	// Clock returns the current time for rates, penalties and bans.
	// nil means time.Now. Read deadlines use the real time, as the net
	// package does.
	Clock func() time.Time
	// Logger receives refusals at debug level and drops. nil means no
	// logging.
	Logger *slog.Logger
}

// Listener wraps a net.Listener with the client rules, limits and
// penalties. Accept returns only admitted connections, as *Conn. A
// Listener is safe for concurrent use.
type Listener struct {
	inner     net.Listener
	opts      Options
	rules     *Rules
	penalties *Penalties
	rejecting chan struct{}

	mu        sync.Mutex
	active    int
	perRule   []ruleState
	noRuleIPs map[netip.Addr]int // active per IP for clients matching no rule

	accepted atomic.Uint64
	dropped  atomic.Uint64
	refused  [numReasons]atomic.Uint64
}

type ruleState struct {
	active    int
	perIP     map[netip.Addr]int
	window    rateWindow
	ipWindows map[netip.Addr]*rateWindow
	lastSweep time.Time
	accepted  uint64
	refused   uint64
}

// rateWindow counts admissions in a fixed window that opens at the first
// admission after the previous window closed.
type rateWindow struct {
	start time.Time
	n     int
}

func (w *rateWindow) full(now time.Time, interval time.Duration, limit int) bool {
	if w.start.IsZero() || now.Sub(w.start) >= interval {
		return false
	}
	return w.n >= limit
}

func (w *rateWindow) add(now time.Time, interval time.Duration) {
	if w.start.IsZero() || now.Sub(w.start) >= interval {
		w.start, w.n = now, 0
	}
	w.n++
}

// ErrNoListener is returned by New for a nil net.Listener.
var ErrNoListener = errors.New("listener: no net.Listener")

// New wraps inner. It validates opts, reporting every bad rule.
func New(inner net.Listener, opts Options) (*Listener, error) {
	if inner == nil {
		return nil, ErrNoListener
	}
	rules, err := ParseRules(opts.Rules)
	if err != nil {
		return nil, fmt.Errorf("listener %s: %w", opts.Name, err)
	}
	if opts.MaxSessions < 0 {
		return nil, fmt.Errorf("listener %s: max_sessions %d is negative", opts.Name, opts.MaxSessions)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBadCommands == 0 {
		opts.MaxBadCommands = DefaultMaxBadCommands
	}
	if opts.MaxAuthFailures == 0 {
		opts.MaxAuthFailures = DefaultMaxAuthFailures
	}
	if opts.RejectTimeout <= 0 {
		opts.RejectTimeout = DefaultRejectTimeout
	}
	opts.Logger = opts.Logger.With("listener", opts.Name)
	p := opts.Penalties
	if p == nil {
		p = NewPenalties(PenaltyOptions{Clock: opts.Clock, Logger: opts.Logger})
	}
	l := &Listener{
		inner:     inner,
		opts:      opts,
		rules:     rules,
		penalties: p,
		rejecting: make(chan struct{}, maxRejecting),
		perRule:   make([]ruleState, rules.Len()),
		noRuleIPs: make(map[netip.Addr]int),
	}
	for i := range l.perRule {
		l.perRule[i].perIP = make(map[netip.Addr]int)
		l.perRule[i].ipWindows = make(map[netip.Addr]*rateWindow)
	}
	return l, nil
}

// Addr returns the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Close closes the inner listener. Connections already accepted stay
// open; the server closes them.
func (l *Listener) Close() error { return l.inner.Close() }

// Penalties returns the listener's penalty table, for `axctl ban`.
func (l *Listener) Penalties() *Penalties { return l.penalties }

// Rules returns the compiled rules.
func (l *Listener) Rules() *Rules { return l.rules }

// Accept waits for the next admitted connection and returns it as a *Conn.
// Refused connections are handed to Options.Reject and closed; they are
// never returned. Errors are the inner listener's.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.inner.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c.RemoteAddr())
		idx, reason := l.admit(ip)
		if reason != 0 {
			l.refuse(c, ip, idx, reason)
			continue
		}
		l.accepted.Add(1)
		return l.newConn(c, ip, idx), nil
	}
}

func remoteIP(a net.Addr) netip.Addr {
	var ip netip.Addr
	switch a := a.(type) {
	case *net.TCPAddr:
		ip = a.AddrPort().Addr()
	case nil:
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		}
	}
	return ip.Unmap().WithZone("")
}

// admit checks every limit for a client at ip and, if all pass, counts the
// connection in. It returns the matched rule index (-1 for none) and 0 or
// the reason for refusal.
func (l *Listener) admit(ip netip.Addr) (int, Reason) {
	idx := l.rules.Match(ip)
	var r *compiledRule
	if idx >= 0 {
		r = &l.rules.rules[idx]
		if r.action == ActionDeny {
			return idx, ReasonDenied
		}
	}
	trusted := r != nil && r.action == ActionAllow
	if !trusted && ip.IsValid() {
		if _, banned := l.penalties.Banned(ip); banned {
			return idx, ReasonBanned
		}
	}
	now := l.opts.Clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opts.MaxSessions > 0 && l.active >= l.opts.MaxSessions {
		return idx, ReasonBusy
	}
	if r == nil {
		l.active++
		if ip.IsValid() {
			l.noRuleIPs[ip]++
		}
		return idx, 0
	}
	s := &l.perRule[idx]
	if now.Sub(s.lastSweep) >= r.interval {
		s.lastSweep = now
		for a, w := range s.ipWindows {
			if now.Sub(w.start) >= r.interval {
				delete(s.ipWindows, a)
			}
		}
	}
	ipw := s.ipWindows[ip]
	switch {
	case r.MaxConnections > 0 && s.active >= r.MaxConnections:
		return idx, ReasonRuleLimit
	case r.MaxConnectionsPerIP > 0 && s.perIP[ip] >= r.MaxConnectionsPerIP:
		return idx, ReasonIPLimit
	case r.Rate > 0 && s.window.full(now, r.interval, r.Rate):
		return idx, ReasonRate
	case r.RatePerIP > 0 && ipw != nil && ipw.full(now, r.interval, r.RatePerIP):
		return idx, ReasonIPRate
	}
	l.active++
	s.active++
	s.accepted++
	s.perIP[ip]++
	if r.Rate > 0 {
		s.window.add(now, r.interval)
	}
	if r.RatePerIP > 0 {
		if ipw == nil {
			ipw = &rateWindow{}
			s.ipWindows[ip] = ipw
		}
		ipw.add(now, r.interval)
	}
	return idx, 0
}

// release undoes admit's counting; called once per admitted connection.
func (l *Listener) release(ip netip.Addr, idx int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.active--
	dec := func(m map[netip.Addr]int) {
		if m[ip]--; m[ip] <= 0 {
			delete(m, ip)
		}
	}
	if idx < 0 {
		if ip.IsValid() {
			dec(l.noRuleIPs)
		}
		return
	}
	l.perRule[idx].active--
	dec(l.perRule[idx].perIP)
}

func (l *Listener) refuse(c net.Conn, ip netip.Addr, idx int, reason Reason) {
	l.refused[reason].Add(1)
	if idx >= 0 {
		l.mu.Lock()
		l.perRule[idx].refused++
		l.mu.Unlock()
	}
	l.opts.Logger.Debug("connection refused", "remote", ip, "rule", idx, "reason", reason.String())
	if l.opts.Reject == nil {
		_ = c.Close()
		return
	}
	select {
	case l.rejecting <- struct{}{}:
	default:
		_ = c.Close() // too many refusals in flight: no reply
		return
	}
	go func() {
		defer func() { <-l.rejecting }()
		defer func() { _ = c.Close() }()
		defer func() {
			if v := recover(); v != nil {
				l.opts.Logger.Error("reject panicked", "remote", ip, "panic", v)
			}
		}()
		_ = c.SetDeadline(time.Now().Add(l.opts.RejectTimeout))
		l.opts.Reject(c, reason)
	}()
}
