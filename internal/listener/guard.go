package listener

import (
	"context"
	"net/netip"
	"sync"
	"time"
)

// Reasons a Guard gives the Penalties table for a dropped session; they
// appear in Ban.Reason.
const (
	DropBadCommands  = "too many bad commands"
	DropAuthFailures = "too many failed logins"
)

// Guard is the error control of one session. The protocol layer calls it
// for each bad or unknown command and each AUTH outcome, and drops the
// session (SMTP 421, IMAP BYE, POP3 -ERR) when it says so. A Guard is safe
// for concurrent use.
//
// A Guard whose client matched an allow rule is trusted: its session is
// still dropped after too many bad commands or failed logins (the client
// can reconnect at once), but it gets no AUTH delay and adds nothing to the
// per-IP penalties, so it is never banned.
type Guard struct {
	ip        netip.Addr
	trusted   bool
	penalties *Penalties
	maxBad    int // <= 0: never drop
	maxAuth   int // <= 0: never drop
	onDrop    func()

	mu           sync.Mutex
	bad          int
	authFailures int
	dropped      bool
}

// NewGuard returns a Guard for a session of ip outside any Listener, for
// protocols served in other ways (and for tests). maxBadCommands and
// maxAuthFailures <= 0 mean never drop; penalties may be nil.
func NewGuard(ip netip.Addr, trusted bool, penalties *Penalties, maxBadCommands, maxAuthFailures int) *Guard {
	return &Guard{ip: ip.Unmap().WithZone(""), trusted: trusted, penalties: penalties, maxBad: maxBadCommands, maxAuth: maxAuthFailures}
}

// IP returns the client's address (invalid for a unix-socket client).
func (g *Guard) IP() netip.Addr { return g.ip }

// Trusted reports whether the client matched an allow rule.
func (g *Guard) Trusted() bool { return g.trusted }

// BadCommand records a bad or unknown command and reports whether the
// session must now be dropped.
func (g *Guard) BadCommand() (drop bool) {
	g.mu.Lock()
	g.bad++
	drop = g.maxBad > 0 && g.bad >= g.maxBad
	g.mu.Unlock()
	if drop {
		g.drop(DropBadCommands)
	}
	return drop
}

// AuthFailed records a failed AUTH. password is the password the client
// tried (or any stable fingerprint of it); it is not retained, only an
// HMAC of it, to recognise a client retrying the same wrong password,
// which does not make the delay grow. nil means unknown. The protocol
// layer waits delay before replying, then drops the session if drop.
func (g *Guard) AuthFailed(password []byte) (delay time.Duration, drop bool) {
	g.mu.Lock()
	g.authFailures++
	drop = g.maxAuth > 0 && g.authFailures >= g.maxAuth
	g.mu.Unlock()
	if !g.trusted && g.penalties != nil {
		delay = g.penalties.authFailed(g.ip, password)
	}
	if drop {
		g.drop(DropAuthFailures)
	}
	return delay, drop
}

// WaitAuthFailed is AuthFailed for a session about to reply: it waits
// out the delay before returning, or returns ctx's error if ctx ends first.
func (g *Guard) WaitAuthFailed(ctx context.Context, password []byte) (drop bool, err error) {
	delay, drop := g.AuthFailed(password)
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return drop, ctx.Err()
		}
	}
	return drop, nil
}

// AuthOK records a successful AUTH: it clears the IP's failed-AUTH
// penalty. The session's failure count stays.
func (g *Guard) AuthOK() {
	if !g.trusted && g.penalties != nil && g.ip.IsValid() {
		g.penalties.authOK(g.ip)
	}
}

// Dropped reports whether the Guard has told the session to drop.
func (g *Guard) Dropped() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.dropped
}

// drop records the session's drop once.
func (g *Guard) drop(reason string) {
	g.mu.Lock()
	first := !g.dropped
	g.dropped = true
	g.mu.Unlock()
	if !first {
		return
	}
	if g.onDrop != nil {
		g.onDrop()
	}
	if !g.trusted && g.penalties != nil {
		g.penalties.dropped(g.ip, reason)
	}
}
