// Package smtpd is axmail's inbound SMTP (MX) and LMTP service, a
// backend for github.com/emersion/go-smtp: the library owns the wire
// protocol (command parsing, dot-stuffing, BDAT, PIPELINING), this
// package supplies the Session that resolves recipients and delivers.
//
// It holds no storage logic: recipients resolve through
// internal/directory (aliases, catch-all and plus-addressing included) and
// messages go into internal/store, whose Deliver stores the bytes once
// with a reference per account. It must not relay: there is no AUTH and
// no relay network here.
//
// # Delivery contract
//
//   - RCPT: a domain the directory does not hold is refused with 550 5.7.1
//     (no relay), an unknown local address with 550 5.1.1. A recipient is
//     accepted when at least one of the accounts it resolves to can take
//     the message; the others (disabled, not allowed the service, over
//     quota, too small a size limit for the declared SIZE) are skipped and
//     logged, like a full mailbox on a mailing list. With none left the
//     recipient is refused with the most retryable reason: 452 4.2.2 over
//     quota, 552 5.3.4 too large, 550 5.2.1 disabled. In MX mode the quota
//     is checked here against the store's usage, so that one full mailbox
//     does not hold up the message for the others.
//   - Remote targets of an alias are not deliverable yet (the queue is a
//     later piece of work): such a recipient is refused whole with 451
//     4.3.0 "remote delivery not available" and logged, so the message
//     stays with the client rather than reaching only part of the alias.
//   - DATA: the message is read behind its Return-Path and Received
//     fields (RFC 5321 §4.4) with store.ReadBody, never holding more than
//     the limit plus one byte: in MX mode the smallest limit of the
//     accounts (one reply covers all), in LMTP mode the largest, each
//     smaller account then refusing alone (552 5.3.4). The message is
//     then stored with ONE store.Deliver, one target per distinct account
//     (an account reached twice gets one copy), into INBOX, within the
//     account's quota. The reply follows Deliver, which returns after the
//     fsync: 250 is never sent for a message that is not on disk.
//   - A quota refusal at DATA (a message larger than the room left, or a
//     race) in MX mode: refused for every account, 452 4.2.2 and the
//     client retries; stored for some, 250 and the others are logged (no
//     DSN until the queue exists). In LMTP mode each recipient gets its
//     own reply.
//   - A temporary store or directory failure is 451 4.3.0, never a 5xx:
//     the client keeps the message and retries. Replies are made in one
//     place (errors.go): the client gets a generic text, the log the
//     detail.
//
// # Limits
//
// Options.MaxMessageSize is advertised with SIZE and caps every message
// (go-smtp applies it to DATA and BDAT; at exactly the cap its DATA reader
// refuses, one byte early); each account's effective MaxMessageSize
// applies below it. Options.MaxRecipients is go-smtp's, 452 4.5.3 past
// it. Lines over 2000 bytes end the session (500 5.4.0, go-smtp's
// limit).
//
// # What go-smtp decides
//
// Bare LF ends a command line (net/textproto), but only CRLF.CRLF ends
// DATA, so a bare "LF.LF" inside a message cannot smuggle a second one.
// A BDAT chunk cut short by the client's disconnection reaches Data as if
// complete (go-smtp's io.Copy takes EOF for success); a connection
// wrapper (conn.go) notices the failed read and Data stores nothing.
// Recipients must be allowed the service they arrive by: "smtp" in MX
// mode, "lmtp" in LMTP mode.
//
// go-smtp offers no hook for bad or unknown commands: it counts them
// itself and closes the session after a few, so they are not yet reported
// to a *listener.Conn's Guard (listener.ConnOf); only the client's IP is
// taken from it. Wiring the Guard needs a hook in go-smtp or a
// reply-watching net.Conn wrapper.
//
// This package parses nothing itself: envelopes are go-smtp's, addresses
// the directory's. It writes client-supplied strings (EHLO name,
// recipient) into the Received header, which FuzzReceived checks stays one
// well-formed field.
package smtpd
