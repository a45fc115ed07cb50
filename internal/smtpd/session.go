package smtpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/store"
)

// errDisabled is why an account that is disabled, or may not receive over
// this service, cannot take a message.
var errDisabled = errors.New("smtpd: account disabled or service not allowed")

// session is one client's SMTP or LMTP session, from EHLO to QUIT.
type session struct {
	srv  *Server
	conn *smtp.Conn
	log  *slog.Logger
	ip   netip.Addr // invalid for a unix-socket client
	// ctx bounds the store calls of the session: go-smtp calls the
	// Session methods without a context, so the session holds one,
	// derived from the server's and cancelled at Logout.
	ctx    context.Context
	cancel context.CancelFunc
	// watch is the connection wrapper (error control, failed reads); nil
	// for a bare *tls.Conn served without Options.ImplicitTLS.
	watch *watchConn
	g     *listener.Guard

	// account is the authenticated account, "" before AUTH; accountEff
	// its settings, refreshed at each MAIL.
	account    string
	accountEff directory.EffectiveSettings

	// The transaction, from MAIL to the end of DATA or RSET.
	hasFrom bool
	from    string
	mail    smtp.MailOptions
	rcpts   []recipient
}

// recipient is one accepted RCPT: the address as the client gave it (the
// key of go-smtp's StatusCollector), the accounts it reaches that can
// take the message, and the remote addresses it reaches (itself when
// relayed, remote targets of an alias), with its DSN parameters.
type recipient struct {
	addr     string
	accounts []account
	remote   []string
	notify   []string
	orcpt    string
}

// account is a local account with its settings as of RCPT.
type account struct {
	email string
	eff   directory.EffectiveSettings
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.LMTPSession = (*session)(nil)
)

func newSession(s *Server, c *smtp.Conn) *session {
	ss := &session{srv: s, conn: c, watch: watchOf(c.Conn())}
	ss.ctx, ss.cancel = context.WithCancel(s.ctx)
	remote := "unix"
	lc, haveLC := listener.ConnOf(c.Conn())
	if haveLC {
		ss.ip = lc.IP()
	} else if a, ok := c.Conn().RemoteAddr().(*net.TCPAddr); ok {
		ss.ip = a.AddrPort().Addr().Unmap()
	}
	switch {
	case ss.watch != nil:
		ss.g = ss.watch.guard
	case haveLC:
		ss.g = lc.Guard()
	default:
		ss.g = listener.NewGuard(ss.ip, false, nil, listener.DefaultMaxBadCommands, listener.DefaultMaxAuthFailures)
	}
	if ss.ip.IsValid() {
		remote = ss.ip.String()
	}
	ss.log = s.log.With("conn", s.connID.Add(1), "remote", remote)
	ss.log.Debug("session started", "helo", c.Hostname())
	return ss
}

// service is the directory service an account needs to receive here.
func (ss *session) service() directory.Services {
	if ss.srv.opts.Mode == ModeLMTP {
		return directory.ServiceLMTP
	}
	return directory.ServiceSMTP
}

// guard returns the session's error control.
func (ss *session) guard() *listener.Guard { return ss.g }

// dropped reports whether the Guard ended the session: commands the
// client pipelined behind the drop are refused, not acted on.
func (ss *session) dropped() bool { return ss.g.Dropped() }

// counted reports a 500-504 reply of ours to the Guard when the
// connection wrapper cannot see it (after STARTTLS, see conn.go), and
// ends the session with 421 when the Guard says drop.
func (ss *session) counted(err error) error {
	var se *smtp.SMTPError
	if ss.watch == nil || !ss.watch.blind.Load() || !errors.As(err, &se) || se.Code < 500 || se.Code > 504 {
		return err
	}
	if ss.g.BadCommand() {
		ss.log.Info("session dropped after bad commands")
		ss.watch.closeAfter.Store(true)
		return replyTooManyErrors
	}
	return err
}

// Mail starts a transaction. In submission the client must have
// authenticated; an authenticated client may only use a sender its
// account owns, and no more messages per hour than its limit. Otherwise
// any sender is accepted: sender policy (SPF, DMARC) belongs to the
// filters.
func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	return ss.counted(ss.mailCmd(from, opts))
}

func (ss *session) mailCmd(from string, opts *smtp.MailOptions) error {
	ss.Reset()
	if ss.dropped() {
		return replyTooManyErrors
	}
	if strings.ContainsFunc(from, isControl) {
		return fail(ss.log, "sender refused", fmt.Errorf("%w: control character in %q", errBadSender, from))
	}
	if ss.srv.opts.Mode == ModeSubmission && ss.account == "" {
		ss.log.Info("sender refused: not authenticated", "from", from)
		return replyAuthRequired
	}
	if ss.account != "" {
		if err := ss.checkSender(from); err != nil {
			return err
		}
	}
	ss.hasFrom, ss.from = true, from
	if opts != nil {
		ss.mail = *opts
	}
	return nil
}

// Rcpt resolves a recipient through the directory. A recipient is
// accepted when at least one of its accounts can take the message; the
// others (a disabled member of an alias, one over quota) are skipped and
// logged. With none left, the recipient is refused with the most
// retryable reason.
func (ss *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	return ss.counted(ss.rcptCmd(to, opts))
}

func (ss *session) rcptCmd(to string, opts *smtp.RcptOptions) error {
	log := ss.log.With("rcpt", to)
	if ss.dropped() {
		return replyTooManyErrors
	}
	if strings.ContainsFunc(to, isControl) {
		return fail(log, "recipient refused", fmt.Errorf("%w: control character", directory.ErrInvalid))
	}
	rc := recipient{addr: to}
	if opts != nil {
		for _, n := range opts.Notify {
			rc.notify = append(rc.notify, string(n))
		}
		if opts.OriginalRecipient != "" {
			rc.orcpt = string(opts.OriginalRecipientType) + ";" + opts.OriginalRecipient
		}
	}
	dir := ss.srv.opts.Directory
	res, err := dir.Resolve(to)
	if errors.Is(err, directory.ErrNoDomain) {
		return ss.relay(log, rc)
	}
	if err != nil {
		return fail(log, "recipient refused", err)
	}
	if len(res.Remote) > 0 && ss.srv.opts.Queue == nil {
		// Without a queue, refusing the whole recipient with a 4xx
		// keeps the message with the client rather than reaching only
		// part of the alias.
		log.Warn("remote delivery not available", "remote", res.Remote)
		return replyRemote
	}
	var accepted []account
	var worst error
	for _, email := range res.Accounts {
		eff, err := dir.Effective(email)
		if errors.Is(err, directory.ErrNotFound) {
			continue // removed since Resolve
		}
		if err == nil {
			err = ss.admit(email, eff)
		}
		if err != nil {
			if reply(err) == replyTemporary {
				return fail(log, "recipient lookup failed", err, "account", email)
			}
			log.Info("account cannot take the message", "account", email, "err", err)
			worst = worse(worst, err)
			continue
		}
		accepted = append(accepted, account{email: email, eff: eff})
	}
	if len(accepted) == 0 && len(res.Remote) == 0 {
		if worst == nil {
			worst = fmt.Errorf("%w: %s", directory.ErrNotFound, to)
		}
		return fail(log, "recipient refused", worst)
	}
	rc.accounts, rc.remote = accepted, res.Remote
	ss.rcpts = append(ss.rcpts, rc)
	return nil
}

// relay accepts a recipient outside the local domains for the queue, if
// the client may relay and the address is plain.
func (ss *session) relay(log *slog.Logger, rc recipient) error {
	if !ss.mayRelay() {
		log.Info("relaying denied", "code", replyRelayDenied.Code)
		return replyRelayDenied
	}
	if err := checkRemote(rc.addr); err != nil {
		log.Info("recipient refused", "err", err)
		return replyBadRcpt
	}
	if ss.srv.opts.Queue == nil {
		log.Warn("remote delivery not available")
		return replyRemote
	}
	rc.remote = []string{rc.addr}
	ss.rcpts = append(ss.rcpts, rc)
	return nil
}

// checkSender applies the authenticated account's rules to a MAIL: the
// sender must be its own, and it must be under its hourly limit.
func (ss *session) checkSender(from string) error {
	eff, err := ss.srv.opts.Directory.Effective(ss.account)
	if err != nil {
		return fail(ss.log, "sender check failed", err)
	}
	ss.accountEff = eff
	owned, err := ss.ownsSender(from)
	if err != nil {
		return fail(ss.log, "sender check failed", err)
	}
	if !owned {
		ss.log.Info("sender refused: not owned", "from", from)
		return replySenderNotOwned
	}
	if ss.srv.sent.full(ss.account, eff.MessagesPerHour, ss.srv.opts.Now()) {
		ss.log.Info("sender refused: hourly limit", "limit", eff.MessagesPerHour)
		return replyRateLimited(eff.MessagesPerHour)
	}
	return nil
}

// admit reports whether an account can take a message of this
// transaction: enabled for the service, the declared SIZE within its
// limit and, in MX and submission mode, room in its quota. LMTP checks the quota at
// DATA, where it has a reply per recipient anyway.
func (ss *session) admit(email string, eff directory.EffectiveSettings) error {
	if !eff.Enabled || !eff.Services.Has(ss.service()) {
		return errDisabled
	}
	if ss.mail.Size > 0 && eff.MaxMessageSize > 0 && ss.mail.Size > eff.MaxMessageSize {
		return fmt.Errorf("declared size %d over limit %d: %w", ss.mail.Size, eff.MaxMessageSize, store.ErrTooLarge)
	}
	if ss.srv.opts.Mode == ModeLMTP || (eff.QuotaBytes <= 0 && eff.QuotaMessages <= 0) {
		return nil
	}
	u, err := ss.srv.opts.Store.UsageEstimate(email)
	if err != nil {
		return fmt.Errorf("usage of %s: %w", email, err)
	}
	// The store refuses a message when usage plus it exceeds the quota;
	// here the message's size is the declared one, or at least a byte.
	size := max(ss.mail.Size, 1)
	if (eff.QuotaBytes > 0 && u.Bytes+size > eff.QuotaBytes) || (eff.QuotaMessages > 0 && u.Messages+1 > eff.QuotaMessages) {
		return fmt.Errorf("usage %d bytes, %d messages: %w", u.Bytes, u.Messages, store.ErrOverQuota)
	}
	return nil
}

// Reset ends the transaction (RSET, a new MAIL, the end of DATA).
func (ss *session) Reset() {
	ss.hasFrom, ss.from = false, ""
	ss.mail = smtp.MailOptions{}
	ss.rcpts = nil
}

// Logout is called once when the connection closes.
func (ss *session) Logout() error {
	ss.cancel()
	ss.srv.endSession(ss)
	ss.log.Debug("session ended")
	return nil
}

// remotes returns the transaction's distinct remote recipients with
// their DSN parameters, in the order first reached.
func (ss *session) remotes() []remoteRcpt {
	var out []remoteRcpt
	seen := make(map[string]bool)
	for _, r := range ss.rcpts {
		for _, a := range r.remote {
			if k := strings.ToLower(a); !seen[k] {
				seen[k] = true
				out = append(out, remoteRcpt{addr: a, from: r})
			}
		}
	}
	return out
}

// remoteRcpt is a remote address and the RCPT that reached it.
type remoteRcpt struct {
	addr string
	from recipient
}

// accounts returns the transaction's distinct accounts, in the order
// first reached: an account reached through several recipients gets one
// copy.
func (ss *session) accounts() []account {
	var out []account
	seen := make(map[string]bool)
	for _, r := range ss.rcpts {
		for _, a := range r.accounts {
			if !seen[a.email] {
				seen[a.email] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// worse returns whichever of two refusals the client should get: a
// temporary one, which it retries, over a permanent one.
func worse(a, b error) error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case reply(a).Code/100 == 4:
		return a
	case reply(b).Code/100 == 4:
		return b
	}
	return a
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
