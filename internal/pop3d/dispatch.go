package pop3d

import (
	"strings"

	"github.com/axmail/axmail/internal/listener"
)

// handler runs one command; quit ends the session after its reply.
type handler func(ss *session, cmd command) (quit bool)

// handlerFor returns the handler of a command in a state: h is nil for a
// command known in the other state only, and known is false for a command
// this server does not implement (APOP among them).
func handlerFor(name string, st state) (h handler, known bool) {
	var auth, trans handler
	switch name {
	case "CAPA":
		auth, trans = (*session).cmdCAPA, (*session).cmdCAPA
	case "QUIT":
		auth, trans = (*session).cmdQUITAuth, (*session).cmdQUIT
	case "USER":
		auth = (*session).cmdUSER
	case "PASS":
		auth = (*session).cmdPASS
	case "AUTH":
		auth = (*session).cmdAUTH
	case "STLS":
		auth = (*session).cmdSTLS
	case "STAT":
		trans = (*session).cmdSTAT
	case "LIST":
		trans = (*session).cmdLIST
	case "UIDL":
		trans = (*session).cmdUIDL
	case "RETR":
		trans = (*session).cmdRETR
	case "TOP":
		trans = (*session).cmdTOP
	case "DELE":
		trans = (*session).cmdDELE
	case "RSET":
		trans = (*session).cmdRSET
	case "NOOP":
		trans = (*session).cmdNOOP
	default:
		return nil, false
	}
	if st == stateAuthorization {
		return auth, true
	}
	return trans, true
}

// dispatch runs cmd in the session's state.
func (ss *session) dispatch(cmd command) (quit bool) {
	h, known := handlerFor(cmd.Name, ss.state)
	if !known {
		ss.log.Debug("unknown command", "command", cmd.Name)
		return ss.bad("unknown command")
	}
	if h == nil {
		return ss.bad("command not valid in this state")
	}
	return h(ss, cmd)
}

// canLogin reports whether credentials may be sent: under TLS, with
// InsecureAuth, or from loopback unless LoopbackInsecure (RFC 2595 §2.5,
// DESIGN.md: loopback counts as secure, as in Dovecot).
func (ss *session) canLogin() bool {
	o := ss.srv.opts
	return listener.PasswordsAllowed(ss.tls, o.InsecureAuth, o.LoopbackInsecure, ss.ip)
}

// canSTLS reports whether STLS is on offer.
func (ss *session) canSTLS() bool {
	o := ss.srv.opts
	return ss.state == stateAuthorization && o.TLSConfig != nil && !o.ImplicitTLS && !ss.tls
}

// cmdCAPA lists the capabilities (RFC 2449 §5). USER and SASL are listed
// only while a login is possible on this connection (RFC 2595 §4).
func (ss *session) cmdCAPA(cmd command) bool {
	if len(cmd.Args) != 0 {
		return ss.bad("syntax error: CAPA takes no argument")
	}
	caps := []string{"TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE"}
	if ss.state == stateAuthorization && ss.canLogin() {
		caps = append(caps, "USER", "SASL PLAIN")
	}
	if ss.canSTLS() {
		caps = append(caps, "STLS")
	}
	caps = append(caps, "IMPLEMENTATION axmail")
	ss.reply("+OK capability list follows")
	ss.bw.WriteString(strings.Join(caps, "\r\n"))
	ss.bw.WriteString("\r\n.\r\n")
	return false
}

// cmdQUITAuth ends a session that never logged in.
func (ss *session) cmdQUITAuth(cmd command) bool {
	if len(cmd.Args) != 0 {
		return ss.bad("syntax error: QUIT takes no argument")
	}
	ss.reply("+OK %s POP3 server signing off", ss.srv.opts.Hostname)
	return true
}

func (ss *session) cmdNOOP(cmd command) bool {
	if len(cmd.Args) != 0 {
		return ss.bad("syntax error: NOOP takes no argument")
	}
	ss.reply("+OK")
	return false
}
