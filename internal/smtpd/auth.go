package smtpd

import (
	"bytes"
	"errors"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
)

var _ smtp.AuthSession = (*session)(nil)

// maxSASLField bounds a user name or password (RFC 4616 §2 allows 255
// octets each; be generous, but not unbounded).
const maxSASLField = 1024

// secure reports whether the session may use AUTH: under TLS, from
// loopback (unless Options.LoopbackInsecure), or with InsecureAuth.
func (ss *session) secure() bool {
	o := ss.srv.opts
	return listener.PasswordsAllowed(ss.tls(), o.InsecureAuth, o.LoopbackInsecure, ss.ip)
}

// tls reports whether the session is under TLS (STARTTLS or implicit).
func (ss *session) tls() bool { return tlsOf(ss.conn.Conn()) != nil }

// AuthMechanisms lists the mechanisms offered in EHLO: none in LMTP,
// without Authenticate, or on an insecure connection (RFC 4954 §4: a
// server should not offer plaintext mechanisms there).
func (ss *session) AuthMechanisms() []string {
	if ss.srv.opts.Mode == ModeLMTP || ss.srv.opts.Authenticate == nil || !ss.secure() {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// Auth starts a SASL exchange.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.srv.opts.Mode == ModeLMTP || ss.srv.opts.Authenticate == nil {
		return nil, smtp.ErrAuthUnsupported
	}
	if ss.watch != nil && ss.watch.dropped.Load() {
		return nil, replyTooManyErrors
	}
	if !ss.secure() {
		ss.log.Info("auth refused without tls")
		return nil, replyEncryptionRequired
	}
	if ss.account != "" {
		return nil, ss.counted(replyAlreadyAuthenticated)
	}
	switch mech {
	case sasl.Plain:
		return &plainServer{ss: ss}, nil
	case sasl.Login:
		return &loginServer{ss: ss}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// login checks a user name and password through Options.Authenticate
// and feeds the outcome to the Guard: a failure waits out the Guard's
// delay (the client's next reply comes late), and past the Guard's limit
// ends the session with 421. The password is never logged.
func (ss *session) login(authzid, username string, password []byte) error {
	log := ss.log.With("user", username)
	if authzid != "" && authzid != username {
		// No proxy authorisation: a user acts only as itself.
		log.Info("auth refused: authorization identity differs")
		return ss.authFailed(password)
	}
	account, err := ss.srv.opts.Authenticate(ss.ctx, username, password)
	if err != nil {
		if !errors.Is(err, auth.ErrBadCredentials) {
			log.Warn("auth failed temporarily", "err", err)
			return replyAuthTemporary
		}
		log.Info("auth failed")
		return ss.authFailed(password)
	}
	eff, err := ss.srv.opts.Directory.Effective(account)
	if err != nil {
		log.Warn("auth: account settings unavailable", "account", account, "err", err)
		return replyAuthTemporary
	}
	if !eff.Enabled || !eff.Services.Has(ss.sendService()) {
		log.Info("auth refused: service not allowed", "account", account)
		return replyAuthFailed
	}
	ss.guard().AuthOK()
	ss.account, ss.accountEff = account, eff
	ss.log = ss.log.With("account", account)
	if w := ss.watch; w != nil && w.lconn != nil {
		// The account's own timeouts from now on; 0 means none, as
		// the directory's settings say.
		w.lconn.SetIdleTimeout(eff.IdleTimeout)
		w.lconn.SetSessionTimeout(eff.ActivityTimeout)
	}
	ss.log.Info("authenticated")
	return nil
}

// authFailed records a failed AUTH with the Guard, waits its delay and
// returns the reply: 535, or 421 and the end of the session past the
// limit.
func (ss *session) authFailed(password []byte) error {
	if drop, _ := ss.guard().WaitAuthFailed(ss.ctx, password); drop {
		ss.log.Info("session dropped after failed logins")
		if ss.watch != nil {
			ss.watch.closeAfter.Store(true)
		}
		return replyTooManyErrors
	}
	return replyAuthFailed
}

// sendService is the service an account needs to send here.
func (ss *session) sendService() directory.Services {
	if ss.srv.opts.Mode == ModeSubmission {
		return directory.ServiceSubmission
	}
	return directory.ServiceSMTP
}

// plainServer is SASL PLAIN (RFC 4616) with bounded fields and replies
// of our own for malformed input.
type plainServer struct {
	ss   *session
	done bool
}

func (p *plainServer) Next(response []byte) ([]byte, bool, error) {
	if p.done {
		return nil, false, sasl.ErrUnexpectedClientResponse
	}
	if response == nil {
		return []byte{}, false, nil // no initial response: ask for it
	}
	p.done = true
	authzid, user, pass, ok := parsePlain(response)
	if !ok {
		return nil, false, p.ss.counted(replySASLMalformed)
	}
	return nil, true, p.ss.login(authzid, user, pass)
}

// parsePlain splits a PLAIN response, authzid NUL authcid NUL passwd
// (RFC 4616 §2), each bounded, the names printable UTF-8, the user name
// not empty.
func parsePlain(response []byte) (authzid, user string, pass []byte, ok bool) {
	parts := bytes.Split(response, []byte{0})
	if len(parts) != 3 || !validSASLField(parts[0]) || !validSASLField(parts[1]) || len(parts[1]) == 0 || len(parts[2]) > maxSASLField {
		return "", "", nil, false
	}
	return string(parts[0]), string(parts[1]), parts[2], true
}

// loginServer is the LOGIN mechanism (draft-murchison-sasl-login): user
// name and password, each asked for in turn.
type loginServer struct {
	ss       *session
	step     int
	username string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if response == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough // an initial response is the user name
	case 1:
		if !validSASLField(response) || len(response) == 0 {
			return nil, false, l.ss.counted(replySASLMalformed)
		}
		l.username, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		if len(response) > maxSASLField {
			return nil, false, l.ss.counted(replySASLMalformed)
		}
		return nil, true, l.ss.login("", l.username, response)
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// validSASLField reports whether b can be a user name: bounded, UTF-8,
// no control characters (it is logged).
func validSASLField(b []byte) bool {
	if len(b) > maxSASLField || !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}
