// Package smtpd is axmail's SMTP service: inbound MX, message submission
// (RFC 6409) and LMTP, a backend for github.com/emersion/go-smtp: the
// library owns the wire protocol (command parsing, dot-stuffing, BDAT,
// PIPELINING, STARTTLS, the SASL exchange), this package supplies the
// Session that authenticates, resolves recipients and delivers.
//
// It holds no storage logic: recipients resolve through
// internal/directory (aliases, catch-all and plus-addressing included),
// local messages go into internal/store, whose Deliver stores the bytes
// once with a reference per account, and remote ones into the queue
// (Options.Queue, internal/queue).
//
// # AUTH and TLS
//
// AUTH PLAIN and LOGIN are offered in MX and submission mode (never in
// LMTP) when Options.Authenticate is set, and only on a secure
// connection: under TLS (STARTTLS with Options.TLSConfig, or a listener
// that wraps TLS, Options.ImplicitTLS), from loopback (like Dovecot,
// unless Options.LoopbackInsecure), or anywhere with Options.InsecureAuth.
// Elsewhere EHLO does not list AUTH and AUTH gets 538 5.7.11. PLAIN takes
// no authorisation identity but the user's own. A wrong password is 535
// 5.7.8 after the Guard's delay; the Guard's last allowed failure is 421
// 4.7.0 and the end of the session; an Authenticate error other than
// auth.ErrBadCredentials is 454 4.7.0 with no penalty. The account must be
// enabled and allowed the service it sends by ("submission" in
// submission mode, "smtp" in MX mode). After AUTH the account's effective
// IdleTimeout and ActivityTimeout replace the listener's
// (listener.Conn.SetIdleTimeout, SetSessionTimeout). Passwords are never
// logged; user names are, as the client gave them.
//
// # Submission and relay
//
//   - Submission: MAIL before AUTH is 530 5.7.0.
//   - An authenticated client (either mode) may only use a reverse-path
//     its account owns: its address, a sub-address of it, an alias or
//     catch-all that reaches it, or the null sender; else 553 5.7.1.
//   - RCPT to a domain the directory does not hold is relaying: refused
//     550 5.7.1 unless the client authenticated or its IP is in
//     Options.RelayNetworks (none by default, loopback not implied). A
//     relayed address must be plain (one @, no '%' or '!' routing, a
//     domain name, no address literal; go-smtp has dropped any source
//     route), else 501 5.1.3. Address tricks in a local domain are local
//     addresses and never routed.
//   - Remote recipients (relayed, or remote targets of a local alias) go
//     to Options.Queue with the DSN parameters (RET, ENVID, NOTIFY,
//     ORCPT) in the envelope, the authenticated account and the client's
//     IP; the queued body has our Received field but no Return-Path.
//     With no Queue they are refused 451 4.3.0 at RCPT.
//
// The limits on what a sender sends come from the authenticated account's
// effective settings: MessagesPerHour (450 4.7.1, checked at MAIL and
// counted at DATA across every session of the Server, in memory: the
// counts reset when the daemon restarts), MaxMessageSize (caps the read
// like a recipient's) and MaxAttachmentSize.
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
//   - Remote targets of an alias go to the queue; without one, such a
//     recipient is refused whole with 451 4.3.0 "remote delivery not
//     available" and logged, so the message stays with the client rather
//     than reaching only part of the alias.
//   - DATA: the message is read behind its Return-Path and Received
//     fields (RFC 5321 §4.4) with store.ReadBody, never holding more than
//     the limit plus one byte: in MX mode the smallest limit of the
//     accounts (one reply covers all), in LMTP mode the largest, each
//     smaller account then refusing alone (552 5.3.4). The message is
//     then stored with ONE store.Deliver, one target per distinct account
//     (an account reached twice gets one copy), into INBOX, within the
//     account's quota. Remote recipients are then queued with one
//     Enqueue. The reply follows both, each of which returns after its
//     fsync: 250 is never sent for a message that is not on disk. If the
//     queue fails after the store succeeded, the client gets 451 and
//     retries the whole message: a duplicate for the local recipients
//     rather than a loss for the remote ones.
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
// limit). The recipients' and the sender's MaxAttachmentSize are checked
// on the message read, by message.LargestAttachment (decoded sizes,
// bounded MIME walk): 552 5.3.4 naming the attachment's size and the
// limit, for the whole message in MX and submission mode, per recipient
// in LMTP.
//
// # What go-smtp decides
//
// Bare LF ends a command line (net/textproto), but only CRLF.CRLF ends
// DATA, so a bare "LF.LF" inside a message cannot smuggle a second one.
// A BDAT chunk cut short by the client's disconnection reaches Data as if
// complete (go-smtp's io.Copy takes EOF for success); a connection
// wrapper (conn.go) notices the failed read and Data stores nothing.
// Recipients must be allowed the service they arrive by: "smtp" in MX
// and submission mode (receiving mail), "lmtp" in LMTP mode. What the
// doc says of MX mode (one reply per message, the quota checked at RCPT)
// holds for submission too.
//
// # Error control
//
// go-smtp offers no hook for bad or unknown commands, so each connection
// is wrapped (conn.go) and the replies go-smtp writes are watched: every
// 500-504 reply is reported to the session's Guard (that of the
// *listener.Conn under it, listener.ConnOf; without one, a Guard of the
// listener package's default limits and no penalties). When the Guard
// says drop, the client gets "421 4.7.0 Too many errors, closing
// connection" and the connection is closed; commands it pipelined behind
// are refused, never acted on. go-smtp also ends a session itself after
// four unknown or unparsable commands; that too becomes our 421 and
// counts. Known limit: after STARTTLS the wrapper lies under go-smtp's
// TLS and sees only ciphertext, so from then on the session reports its
// own 500-504 replies (bad addresses, malformed SASL, a second AUTH) and
// the AUTH failures, but go-smtp's replies to unknown or out-of-sequence
// commands meet only go-smtp's own limit. Implicit TLS has no such gap:
// the wrapper sits above the TLS connection.
//
// This package parses nothing itself: envelopes are go-smtp's, addresses
// the directory's. It writes client-supplied strings (EHLO name,
// recipient) into the Received header, which FuzzReceived checks stays one
// well-formed field.
package smtpd
