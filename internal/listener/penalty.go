package listener

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"log/slog"
	"net/netip"
	"sort"
	"sync"
	"time"
)

// PenaltyOptions configures a Penalties table. Durations and counts follow
// one convention: 0 means the documented default, a negative value turns
// the feature off.
type PenaltyOptions struct {
	// AuthDelay is the delay after an IP's first failed AUTH; it doubles
	// with each further failure, up to MaxAuthDelay. 0 means 2s (Dovecot's
	// auth_failure_delay); negative means no delay.
	AuthDelay time.Duration
	// MaxAuthDelay caps the delay. 0 means 15s (Dovecot's cap).
	MaxAuthDelay time.Duration
	// PenaltyTimeout is how long an IP's failed-AUTH penalty lasts after its
	// last failure. 0 means 1h (Dovecot's AUTH_PENALTY_TIMEOUT).
	PenaltyTimeout time.Duration
	// BanAfterDrops bans an IP once this many of its sessions were dropped
	// within BanWindow. 0 means 5; negative means never ban automatically.
	BanAfterDrops int
	// BanWindow is the window in which drops are counted. 0 means 10m.
	BanWindow time.Duration
	// BanDuration is how long an automatic ban lasts. 0 means 1h.
	BanDuration time.Duration
	// Clock returns the current time. nil means time.Now.
	Clock func() time.Time
	// Logger receives ban events. nil means no logging.
	Logger *slog.Logger
}

func (o PenaltyOptions) withDefaults() PenaltyOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.AuthDelay, 2*time.Second)
	def(&o.MaxAuthDelay, 15*time.Second)
	def(&o.PenaltyTimeout, time.Hour)
	def(&o.BanWindow, 10*time.Minute)
	def(&o.BanDuration, time.Hour)
	if o.BanAfterDrops == 0 {
		o.BanAfterDrops = 5
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Ban is an IP address whose connections are refused until Until.
type Ban struct {
	IP     netip.Addr `json:"ip"`
	Reason string     `json:"reason"`
	Since  time.Time  `json:"since"`
	Until  time.Time  `json:"until"`
}

// Penalties is the per-IP penalty table: failed-AUTH delays, dropped
// sessions and bans. One table may be shared by several listeners (a failed
// IMAP login then delays the same IP's POP3 login too, as Dovecot's anvil
// does). It never stores a password: repeated passwords are recognised by an
// HMAC-SHA256 under a key drawn at NewPenalties and kept only in memory.
// A Penalties is safe for concurrent use.
type Penalties struct {
	opts PenaltyOptions
	key  [32]byte

	mu        sync.Mutex
	ips       map[netip.Addr]*ipPenalty
	lastSweep time.Time
}

type ipPenalty struct {
	authFailures int // doublings so far
	lastFailure  time.Time
	lastPassword [16]byte
	hasPassword  bool
	drops        []time.Time // within BanWindow
	ban          *Ban
}

// NewPenalties returns an empty table.
func NewPenalties(opts PenaltyOptions) *Penalties {
	p := &Penalties{opts: opts.withDefaults(), ips: make(map[netip.Addr]*ipPenalty)}
	_, _ = rand.Read(p.key[:]) // crypto/rand.Read never fails
	return p
}

func (p *Penalties) now() time.Time { return p.opts.Clock() }

func (p *Penalties) fingerprint(password []byte) [16]byte {
	m := hmac.New(sha256.New, p.key[:])
	m.Write(password)
	var f [16]byte
	copy(f[:], m.Sum(nil))
	return f
}

// entry returns ip's state, creating it; the caller holds p.mu.
func (p *Penalties) entry(ip netip.Addr, now time.Time) *ipPenalty {
	p.sweep(now)
	e := p.ips[ip]
	if e == nil {
		e = &ipPenalty{}
		p.ips[ip] = e
	}
	return e
}

// sweep forgets expired state at most once a minute, so that the table
// stays bounded by the IPs that misbehaved recently; the caller holds p.mu.
func (p *Penalties) sweep(now time.Time) {
	if now.Sub(p.lastSweep) < time.Minute {
		return
	}
	p.lastSweep = now
	for ip, e := range p.ips {
		p.expire(e, now)
		if e.authFailures == 0 && len(e.drops) == 0 && e.ban == nil {
			delete(p.ips, ip)
		}
	}
}

// expire drops e's stale parts; the caller holds p.mu.
func (p *Penalties) expire(e *ipPenalty, now time.Time) {
	if e.authFailures > 0 && now.Sub(e.lastFailure) >= p.opts.PenaltyTimeout {
		e.authFailures, e.hasPassword = 0, false
	}
	for len(e.drops) > 0 && now.Sub(e.drops[0]) >= p.opts.BanWindow {
		e.drops = e.drops[1:]
	}
	if e.ban != nil && !now.Before(e.ban.Until) {
		e.ban = nil
	}
}

// authFailed records a failed AUTH from ip and returns the delay to apply.
// The delay doubles per failure, except when the password is the same as
// the IP's previous failure: then the current delay applies unchanged.
func (p *Penalties) authFailed(ip netip.Addr, password []byte) time.Duration {
	if p.opts.AuthDelay < 0 || !ip.IsValid() {
		return 0
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entry(ip, now)
	p.expire(e, now)
	var fp [16]byte
	same := false
	if len(password) > 0 {
		fp = p.fingerprint(password)
		same = e.hasPassword && hmac.Equal(fp[:], e.lastPassword[:])
		e.lastPassword, e.hasPassword = fp, true
	} else {
		e.hasPassword = false
	}
	if !same || e.authFailures == 0 {
		e.authFailures++
	}
	e.lastFailure = now
	return p.delay(e.authFailures)
}

func (p *Penalties) delay(failures int) time.Duration {
	d := p.opts.AuthDelay
	for i := 1; i < failures && d < p.opts.MaxAuthDelay; i++ {
		d *= 2
	}
	return min(d, p.opts.MaxAuthDelay)
}

// AuthDelay reports the delay the next failed AUTH from ip would get if
// its password differed from the previous one, or 0 when ip has no penalty.
func (p *Penalties) AuthDelay(ip netip.Addr) time.Duration {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.ips[ip.Unmap()]
	if e == nil || p.opts.AuthDelay < 0 {
		return 0
	}
	p.expire(e, now)
	if e.authFailures == 0 {
		return 0
	}
	return p.delay(e.authFailures)
}

// authOK clears ip's failed-AUTH penalty, as a successful login does in
// Dovecot.
func (p *Penalties) authOK(ip netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.ips[ip]; e != nil {
		e.authFailures, e.hasPassword = 0, false
	}
}

// dropped records that a session of ip was dropped for reason, and bans ip
// when it reaches BanAfterDrops within BanWindow.
func (p *Penalties) dropped(ip netip.Addr, reason string) {
	if !ip.IsValid() {
		return
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entry(ip, now)
	p.expire(e, now)
	e.drops = append(e.drops, now)
	if p.opts.BanAfterDrops < 0 || len(e.drops) < p.opts.BanAfterDrops || e.ban != nil {
		return
	}
	e.ban = &Ban{IP: ip, Reason: reason, Since: now, Until: now.Add(p.opts.BanDuration)}
	e.drops = nil
	p.opts.Logger.Warn("ip banned", "remote", ip, "reason", reason, "until", e.ban.Until)
}

// Banned reports ip's ban, if it has one in force.
func (p *Penalties) Banned(ip netip.Addr) (Ban, bool) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.ips[ip.Unmap()]
	if e == nil {
		return Ban{}, false
	}
	p.expire(e, now)
	if e.ban == nil {
		return Ban{}, false
	}
	return *e.ban, true
}

// Ban bans ip for d with reason, replacing any ban it has, as an
// administrator's manual ban. d <= 0 means BanDuration.
func (p *Penalties) Ban(ip netip.Addr, d time.Duration, reason string) Ban {
	if d <= 0 {
		d = p.opts.BanDuration
	}
	ip = ip.Unmap()
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entry(ip, now)
	e.ban = &Ban{IP: ip, Reason: reason, Since: now, Until: now.Add(d)}
	p.opts.Logger.Warn("ip banned", "remote", ip, "reason", reason, "until", e.ban.Until)
	return *e.ban
}

// Bans lists the bans in force, ordered by IP address.
func (p *Penalties) Bans() []Ban {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Ban
	for _, e := range p.ips {
		p.expire(e, now)
		if e.ban != nil {
			out = append(out, *e.ban)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IP.Less(out[j].IP) })
	return out
}

// Unban lifts ip's ban and forgets its drops and failed-AUTH penalty. It
// reports whether ip was banned.
func (p *Penalties) Unban(ip netip.Addr) bool {
	now := p.now()
	ip = ip.Unmap()
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.ips[ip]
	if e == nil {
		return false
	}
	p.expire(e, now)
	banned := e.ban != nil
	delete(p.ips, ip)
	if banned {
		p.opts.Logger.Info("ip unbanned", "remote", ip)
	}
	return banned
}
