package daemon

import (
	"io"
	"net"

	"github.com/axmail/axmail/internal/listener"
)

// smtpRefusal is the greeting that refuses an SMTP or LMTP client (RFC
// 5321 §3.1, §4.2.3; RFC 3463 codes): 554 for who the client is, 421 for a
// refusal it should retry later.
func smtpRefusal(r listener.Reason) string {
	switch r {
	case listener.ReasonDenied:
		return "554 5.7.1 Access denied\r\n"
	case listener.ReasonBanned:
		return "421 4.7.0 Too many errors from your address, try again later\r\n"
	case listener.ReasonRate, listener.ReasonIPRate:
		return "421 4.7.0 Too many connections from your address, try again later\r\n"
	default: // busy, max_connections, max_connections_per_ip
		return "421 4.3.2 Too many connections, try again later\r\n"
	}
}

// smtpReject writes the refusal; the listener closes the connection.
func smtpReject(c net.Conn, r listener.Reason) {
	_, _ = io.WriteString(c, smtpRefusal(r))
}

// pop3Refusal is the greeting that refuses a POP3 client, with the
// response codes of RFC 3206: SYS/PERM for who the client is, SYS/TEMP
// for a refusal it should retry later.
func pop3Refusal(r listener.Reason) string {
	switch r {
	case listener.ReasonDenied:
		return "-ERR [SYS/PERM] Access denied\r\n"
	case listener.ReasonBanned:
		return "-ERR [SYS/TEMP] Too many errors from your address, try again later\r\n"
	default:
		return "-ERR [SYS/TEMP] Too many connections, try again later\r\n"
	}
}

// pop3Reject writes the refusal; the listener closes the connection.
func pop3Reject(c net.Conn, r listener.Reason) {
	_, _ = io.WriteString(c, pop3Refusal(r))
}
