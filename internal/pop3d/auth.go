package pop3d

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/directory"
)

// maxCredential bounds a user name or password, as internal/auth bounds
// passwords.
const maxCredential = 1024

// tlsHandshakeTimeout bounds the STLS handshake.
const tlsHandshakeTimeout = 30 * time.Second

// refuseCleartext replies to a login attempt on a connection that may not
// log in (RFC 2595 §2.5; RFC 3206 [AUTH]).
func (ss *session) refuseCleartext() bool {
	ss.log.Info("login refused without tls")
	if ss.canSTLS() {
		ss.reply("-ERR [AUTH] plaintext authentication disallowed without TLS; use STLS")
	} else {
		ss.reply("-ERR [AUTH] plaintext authentication disallowed without TLS")
	}
	return false
}

// cmdUSER remembers the user name for PASS (RFC 1939 §7).
func (ss *session) cmdUSER(cmd command) bool {
	if len(cmd.Args) != 1 || len(cmd.Args[0]) > maxCredential {
		return ss.bad("syntax error: USER name")
	}
	if !ss.canLogin() {
		return ss.refuseCleartext()
	}
	ss.user = cmd.Args[0]
	ss.reply("+OK send PASS")
	return false
}

// cmdPASS logs in with the name of the preceding USER. The password is
// the rest of the line, spaces included.
func (ss *session) cmdPASS(cmd command) bool {
	if ss.user == "" {
		return ss.bad("PASS without USER")
	}
	user := ss.user
	ss.user = ""
	if cmd.Rest == "" || len(cmd.Rest) > maxCredential {
		return ss.bad("syntax error: PASS password")
	}
	if !ss.canLogin() {
		return ss.refuseCleartext()
	}
	return ss.login(user, []byte(cmd.Rest))
}

// cmdAUTH is SASL (RFC 5034), PLAIN only (RFC 4616). Without an argument
// it lists the mechanisms, as clients of RFC 1734 expect.
func (ss *session) cmdAUTH(cmd command) bool {
	if len(cmd.Args) == 0 {
		if !ss.canLogin() {
			return ss.refuseCleartext()
		}
		ss.reply("+OK mechanisms follow")
		ss.bw.WriteString("PLAIN\r\n.\r\n")
		return false
	}
	ss.user = ""
	if !strings.EqualFold(cmd.Args[0], "PLAIN") {
		ss.reply("-ERR unsupported authentication mechanism")
		return false
	}
	if !ss.canLogin() {
		return ss.refuseCleartext()
	}
	var resp string
	if len(cmd.Args) == 2 {
		// An initial response; "=" is an empty one (RFC 5034 §4).
		resp = cmd.Args[1]
		if resp == "=" {
			resp = ""
		}
	} else {
		ss.reply("+ ")
		line, err := ss.readLine(maxSASLLine)
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				return ss.bad("authentication line too long")
			}
			ss.readFailed(err)
			return true
		}
		if line == "*" {
			ss.reply("-ERR authentication cancelled")
			return false
		}
		resp = line
	}
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		return ss.bad("malformed base64 in authentication")
	}
	parts := bytes.Split(raw, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 || len(parts[1]) > maxCredential || len(parts[2]) > maxCredential {
		return ss.bad("malformed PLAIN response")
	}
	authzid, user, password := string(parts[0]), string(parts[1]), parts[2]
	if authzid != "" && authzid != user {
		// No proxy authorisation: a user acts only as itself.
		ss.log.Info("login refused: authorization identity differs", "user", user)
		return ss.authFailed(password)
	}
	return ss.login(user, password)
}

// login checks the credentials, the account's right to POP3, and takes
// the maildrop lock; on success the session enters TRANSACTION. The
// password is never logged.
func (ss *session) login(user string, password []byte) bool {
	log := ss.log.With("user", user)
	account, err := ss.srv.opts.Authenticate(ss.ctx, user, password)
	if err != nil {
		if !errors.Is(err, auth.ErrBadCredentials) {
			log.Warn("login failed temporarily", "err", err)
			ss.reply("-ERR [SYS/TEMP] authentication temporarily unavailable")
			return false
		}
		log.Info("login failed")
		return ss.authFailed(password)
	}
	eff, err := ss.srv.opts.Directory.Effective(account)
	if err != nil {
		if directory.IsPermanent(err) {
			// Removed between the password check and now.
			log.Info("login refused: account gone", "account", account)
			return ss.authFailed(password)
		}
		log.Warn("login: account settings unavailable", "account", account, "err", err)
		ss.reply("-ERR [SYS/TEMP] authentication temporarily unavailable")
		return false
	}
	if !eff.Enabled || !eff.Services.Has(directory.ServicePOP3) {
		log.Info("login refused: pop3 not allowed", "account", account)
		ss.reply("-ERR [AUTH] POP3 access not allowed for this account")
		return false
	}
	ss.guard.AuthOK()
	if !ss.srv.lock(account, ss) {
		log.Info("login refused: maildrop in use", "account", account)
		ss.reply("-ERR [IN-USE] maildrop is locked by another session")
		return false
	}
	md, err := openMaildrop(ss.srv.opts.Store, account)
	if err != nil {
		ss.srv.unlock(account, ss)
		log.Warn("login: maildrop unavailable", "account", account, "err", err)
		ss.reply("-ERR [SYS/TEMP] maildrop temporarily unavailable")
		return false
	}
	ss.account, ss.md, ss.state = account, md, stateTransaction
	ss.log = ss.log.With("account", account)
	// The account's own timeouts from now on; 0 means none, as the
	// directory's settings say.
	if ss.lconn != nil {
		ss.lconn.SetIdleTimeout(eff.IdleTimeout)
		ss.lconn.SetSessionTimeout(eff.ActivityTimeout)
	} else {
		ss.idle = eff.IdleTimeout
		if eff.ActivityTimeout > 0 {
			ss.sessionEnd = ss.accepted.Add(eff.ActivityTimeout)
		}
	}
	ss.log.Info("logged in", "messages", len(md.msgs))
	ss.reply("+OK maildrop locked and ready, %d messages", len(md.msgs))
	return false
}

// authFailed records a failed login with the Guard, waits out its delay
// (until the server shuts down) and replies [AUTH], or ends the session
// past the Guard's limit.
func (ss *session) authFailed(password []byte) bool {
	drop, err := ss.guard.WaitAuthFailed(ss.ctx, password)
	if err != nil {
		ss.reply("-ERR [SYS/TEMP] server shutting down")
		return true
	}
	if drop {
		ss.log.Info("session dropped after failed logins")
		ss.reply("-ERR [AUTH] too many failed logins, closing connection")
		return true
	}
	ss.reply("-ERR [AUTH] invalid credentials")
	return false
}

// cmdSTLS starts TLS (RFC 2595 §4). Input pipelined behind STLS would be
// read as if it came under TLS, so the session ends instead (the STARTTLS
// injection of CVE-2011-0411).
func (ss *session) cmdSTLS(cmd command) bool {
	if len(cmd.Args) != 0 {
		return ss.bad("syntax error: STLS takes no argument")
	}
	if !ss.canSTLS() {
		ss.reply("-ERR STLS not available")
		return false
	}
	if ss.br.Buffered() > 0 {
		ss.log.Info("session dropped: input pipelined after STLS")
		ss.reply("-ERR input after STLS, closing connection")
		return true
	}
	ss.reply("+OK begin TLS negotiation")
	if err := ss.bw.Flush(); err != nil {
		return true
	}
	ss.connMu.Lock()
	tc := tls.Server(ss.conn, ss.srv.opts.TLSConfig)
	ss.conn = tc
	ss.connMu.Unlock()
	ctx, cancel := context.WithTimeout(ss.ctx, tlsHandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		ss.log.Info("tls handshake failed", "err", err)
		return true
	}
	// Nothing learnt before TLS survives it (RFC 2595 §4).
	ss.tls, ss.user = true, ""
	ss.br.Reset(sessionIO{ss})
	ss.log.Debug("tls started")
	return false
}
