// Package listener is what every protocol listener (SMTP, submission,
// LMTP, IMAP, POP3) shares, independent of any protocol library: a
// Listener wraps a net.Listener, so it can be handed to go-smtp or
// go-imap's imapserver as is.
//
// # Rules
//
// A listener has an ordered list of Rules matched on the client's IP
// address (single address, CIDR prefix or "*"; IPv4 and IPv6; IPv4-mapped
// IPv6 addresses match IPv4 rules). The first match wins. Its action is:
//
//	allow  admitted and trusted: never delayed after a failed AUTH, never
//	       banned, and not refused by an existing ban
//	limit  admitted, subject to the automatic penalties
//	deny   refused
//
// Allow and limit rules may carry limits: simultaneous connections for the
// rule as a whole and per remote IP, and new connections per RateInterval
// for the rule and per remote IP. Rates count admitted connections only,
// in a fixed window that opens at the first admission after the previous
// window closed. A client that matches no rule (and a client on a unix
// socket, which has no IP) is admitted with no per-rule limits, subject to
// penalties. Trust is an explicit "allow": a catch-all rule for the public
// should be "limit", or it would exempt everyone from penalties.
//
// A connection is checked in this order: deny rule, ban (unless trusted),
// Options.MaxSessions, the rule's MaxConnections, MaxConnectionsPerIP,
// Rate, RatePerIP. A refused connection is handed to Options.Reject, which
// writes the protocol's greeting-time refusal, then closed; Accept never
// returns it, and never waits for it.
//
// # Penalties
//
// Each accepted Conn carries a Guard that the protocol feeds: after
// MaxBadCommands bad commands or MaxAuthFailures failed AUTHs in a session
// the Guard says drop. Failed AUTHs delay the IP's next replies (Dovecot's
// scheme: 2 s doubling to 15 s, reset by a successful AUTH, forgotten an
// hour after the last failure); retrying the same wrong password does not
// make the delay grow. An IP whose sessions are dropped BanAfterDrops times
// within BanWindow is banned for BanDuration. Bans are listed by
// Penalties.Bans and lifted by Penalties.Unban. The Penalties table may be
// shared by listeners; it holds no password, only HMACs under a key that
// lives in memory.
//
// # Timeouts
//
// A Conn applies an idle timeout (per Read or Write) and a session timeout
// (from acceptance), both adjustable per connection after login, on top of
// the deadlines the protocol library sets itself.
//
// # What this package does not do
//
// It speaks no protocol (the Reject callback and the protocol layer write
// every reply), does no TLS handshake, sleeps for no one (the protocol
// waits out an AUTH delay with its context), and keeps no state on disk:
// counters, penalties and bans are lost on restart. The one file it
// writes is the self-signed certificate LoadOrCreateCertificate generates
// once under <data_dir>/tls when none is configured.
package listener
