package imapd

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"sync"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/store"
)

var (
	_ imapserver.Session            = (*session)(nil)
	_ imapserver.SessionNamespace   = (*session)(nil)
	_ imapserver.SessionMove        = (*session)(nil)
	_ imapserver.SessionAppendLimit = (*session)(nil)
)

// maxCredential bounds a user name or password (RFC 4616 §2 allows 255
// octets each; be generous, but not unbounded).
const maxCredential = 1024

// session is one IMAP connection. imapserver calls its methods one at a
// time (IDLE included: the reader only waits for DONE meanwhile), so its
// fields need no lock.
type session struct {
	srv  *Server
	conn *imapserver.Conn
	wc   *watchConn
	log  *slog.Logger
	// ctx is the session's context, derived from the server's: imapserver
	// calls the session without one (STYLE.md rule 9).
	ctx    context.Context
	cancel context.CancelFunc

	account string
	eff     directory.EffectiveSettings
	sel     *selected // nil when no mailbox is selected

	// idleMu keeps Close from running while Idle does (see Idle).
	idleMu sync.Mutex
	closed bool
}

func (s *Server) newSession(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
	wc, _ := c.NetConn().(*watchConn)
	if wc == nil {
		// Serve wraps every connection; anything else is a bug.
		return nil, nil, errors.New("imapd: connection not accepted by Serve")
	}
	ss := &session{srv: s, conn: c, wc: wc}
	ss.ctx, ss.cancel = context.WithCancel(s.ctx)
	ss.log = s.log.With("conn", s.connID.Add(1), "remote", wc.guard.IP().String())
	if !s.addSession(ss) {
		ss.cancel()
		return nil, nil, &imap.Error{Type: imap.StatusResponseTypeBye, Text: "Server shutting down"}
	}
	ss.log.Debug("session started")
	return ss, nil, nil
}

// Close ends the session: imapserver calls it once the connection is over.
func (ss *session) Close() error {
	ss.cancel() // ends an Idle still running
	ss.idleMu.Lock()
	defer ss.idleMu.Unlock()
	ss.closed = true
	if ss.sel != nil {
		ss.sel.close()
		ss.sel = nil
	}
	ss.srv.removeSession(ss)
	ss.log.Debug("session ended")
	return nil
}

// secure reports whether the client may send a password: under TLS, with
// InsecureAuth, or from loopback (unless LoopbackInsecure).
func (ss *session) secure() bool {
	o := ss.srv.opts
	_, underTLS := ss.conn.NetConn().(*tls.Conn)
	return listener.PasswordsAllowed(o.ImplicitTLS || underTLS, o.InsecureAuth, o.LoopbackInsecure, ss.wc.guard.IP())
}

// Login checks the credentials of LOGIN and of AUTHENTICATE PLAIN (which
// imapserver decodes and hands here), and feeds the outcome to the Guard:
// a failure waits out the Guard's delay, and past the Guard's limit ends
// the session after the reply. The password is never logged.
func (ss *session) Login(username, password string) error {
	if ss.wc.dropped.Load() {
		return errTooManyLogins
	}
	if !ss.secure() {
		ss.log.Info("login refused without tls")
		return errPrivacy
	}
	if len(username) == 0 || len(username) > maxCredential || len(password) > maxCredential || !utf8.ValidString(username) {
		return ss.loginFailed([]byte(password))
	}
	log := ss.log.With("user", username)
	account, err := ss.srv.opts.Authenticate(ss.ctx, username, []byte(password))
	if err != nil {
		if !errors.Is(err, auth.ErrBadCredentials) {
			log.Warn("login failed temporarily", "err", err)
			return errAuthTemporary
		}
		log.Info("login failed")
		return ss.loginFailed([]byte(password))
	}
	eff, err := ss.srv.opts.Directory.Effective(account)
	if err != nil {
		log.Warn("login: account settings unavailable", "account", account, "err", err)
		return errAuthTemporary
	}
	if !eff.Enabled || !eff.Services.Has(directory.ServiceIMAP) {
		log.Info("login refused: account disabled or imap not allowed", "account", account)
		return errNotAllowed
	}
	if err := ss.ensureDefaultMailboxes(account); err != nil {
		log.Warn("login: default mailboxes", "account", account, "err", err)
		return errAuthTemporary
	}
	ss.wc.guard.AuthOK()
	ss.account, ss.eff = account, eff
	ss.log = ss.log.With("account", account)
	if lc := ss.wc.lconn; lc != nil {
		// The account's own timeouts from now on; 0 means none.
		lc.SetIdleTimeout(eff.IdleTimeout)
		lc.SetSessionTimeout(eff.ActivityTimeout)
	}
	ss.log.Info("logged in")
	return nil
}

// loginFailed records a failed login with the Guard and waits its delay.
func (ss *session) loginFailed(password []byte) error {
	if drop, _ := ss.wc.guard.WaitAuthFailed(ss.ctx, password); drop {
		ss.log.Info("session dropped after failed logins")
		ss.wc.endAfterReply(byeAuthFailures)
		return errTooManyLogins
	}
	return errAuthFailed
}

// defaultMailboxes are created for an account that has nothing but INBOX,
// with their RFC 6154 attributes.
var defaultMailboxes = []struct{ name, use string }{
	{store.Inbox, ""},
	{"Sent", string(imap.MailboxAttrSent)},
	{"Drafts", string(imap.MailboxAttrDrafts)},
	{"Trash", string(imap.MailboxAttrTrash)},
	{"Junk", string(imap.MailboxAttrJunk)},
	{"Archive", string(imap.MailboxAttrArchive)},
}

// ensureDefaultMailboxes creates INBOX and the special-use mailboxes at
// the first login: when the account has no mailbox but perhaps an INBOX
// that a delivery made. Two first logins at once both succeed.
func (ss *session) ensureDefaultMailboxes(account string) error {
	mbs, err := ss.srv.opts.Store.ListMailboxes(account)
	if err != nil {
		return err
	}
	for _, mb := range mbs {
		if mb.Name != store.Inbox {
			return nil
		}
	}
	for _, d := range defaultMailboxes {
		_, err := ss.srv.opts.Store.CreateMailbox(ss.ctx, account, d.name, store.MailboxOptions{Subscribed: true, SpecialUse: d.use})
		if err != nil && !errors.Is(err, store.ErrMailboxExists) {
			return err
		}
		if d.name == store.Inbox && errors.Is(err, store.ErrMailboxExists) {
			// A delivery made it, unsubscribed.
			if err := ss.srv.opts.Store.SetSubscribed(ss.ctx, account, store.Inbox, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// AppendLimit is the APPENDLIMIT (RFC 7889) of the account: its effective
// message size limit, DefaultAppendLimit without one. Before login it is
// DefaultAppendLimit.
func (ss *session) AppendLimit() uint32 {
	limit := int64(DefaultAppendLimit)
	if ss.eff.MaxMessageSize > 0 {
		limit = ss.eff.MaxMessageSize
	}
	return uint32(min(limit, int64(^uint32(0))))
}

// fail turns err into the client's reply, logging what the client is not
// told.
func (ss *session) fail(what string, err error) error {
	reply, known := replyFor(err)
	if !known {
		ss.log.Warn("command failed", "command", what, "err", err)
	} else if reply == errUnavailable {
		ss.log.Info("command failed", "command", what, "err", err)
	}
	return reply
}
