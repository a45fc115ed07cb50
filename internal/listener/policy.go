package listener

import (
	"net/netip"
	"os"
)

// PasswordsAllowed reports whether a client may send a password: under
// TLS, on a listener marked insecure_auth, or from loopback unless
// loopbackInsecure (DESIGN.md: AUTH only over TLS unless the listener is
// trusted; loopback counts as secure, as in Dovecot). SMTP, IMAP and POP3
// all ask it.
func PasswordsAllowed(tls, insecureAuth, loopbackInsecure bool, ip netip.Addr) bool {
	return tls || insecureAuth || (!loopbackInsecure && ip.IsLoopback())
}

// Hostname returns name, or when it is empty the system's host name, or
// "localhost" when that is unknown: the name a server greets with.
func Hostname(name string) string {
	if name != "" {
		return name
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}
