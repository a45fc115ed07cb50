// Package pop3d is axmail's POP3 server (RFC 1939) with the extensions of
// RFC 2449 (CAPA, response codes, PIPELINING), RFC 2595 (STLS), RFC 5034
// (AUTH, SASL PLAIN only, RFC 4616) and RFC 3206 (the SYS/TEMP and AUTH
// response codes). It reads each account's maildrop, its INBOX, from
// internal/store and holds no storage logic of its own.
//
// # States
//
// A session starts in AUTHORIZATION: CAPA, USER/PASS, AUTH, STLS and QUIT
// are valid there. A successful login takes the maildrop lock and enters
// TRANSACTION: STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, CAPA and
// QUIT. Keywords are case-insensitive, arguments are separated by one or
// more spaces, and a line may end in LF alone. Replies to pipelined
// commands are written together once the pipelined input is consumed. A
// command valid only in the other state, an unknown command
// (APOP included), a malformed line (over 255 octets with its CRLF
// (RFC 2449 §4), a control character such as NUL, a keyword that is not
// 3 or 4 letters) or a malformed argument (a message number with a sign,
// letters or more than 9 digits) gets -ERR and counts as a bad command
// for the connection's listener.Guard, which ends the session past its
// limit (a connection that is not a *listener.Conn gets a Guard of its
// own: 20 bad commands, 3 failed logins, no penalty table, so no delay).
// A well-formed number that names no message, or a deleted one,
// gets -ERR and is not counted. A line with no end after 64 KiB ends the
// session. SASL responses may be up to 4096 octets (RFC 5034 §4).
//
// # Logins
//
// USER/PASS and AUTH PLAIN are refused with "-ERR [AUTH]" unless the
// connection is under TLS (STLS or Options.ImplicitTLS), comes from
// loopback (as in Dovecot; Options.LoopbackInsecure turns that off for
// tests), or Options.InsecureAuth is set; CAPA then lists neither USER
// nor SASL. A wrong password is fed to the Guard: the reply waits out its
// delay (ended early only by Shutdown), then "-ERR [AUTH]", or the end of
// the session once the Guard says drop. A disabled account, or one not
// allowed the "pop3" service, is refused with "-ERR [AUTH]". After login
// the account's idle and activity timeouts (directory.Effective) replace
// the connection's. STLS refuses input pipelined behind it and forgets
// the USER name given before it.
//
// # Maildrop, deletion and locking
//
// The maildrop is the account's INBOX as the index lists it at login; an
// account with no INBOX has an empty one. Message numbers, sizes and
// UIDLs stay fixed for the session; messages delivered meanwhile appear
// in the next session. A message removed by IMAP meanwhile still counts,
// and RETR of it gets -ERR if its body is gone (unless it was read ahead,
// below).
//
// DELE only marks. At QUIT (the UPDATE state) the marked messages are
// removed with one store.Remove call, one transaction, whatever their
// flags, and +OK is sent after it committed; on failure nothing is
// removed and the reply is "-ERR [SYS/TEMP]". A session that ends any
// other way (the client drops, a timeout, Shutdown, a Guard drop) removes
// nothing. RETR and TOP change no flag.
//
// One session per maildrop: the lock is a map in the Server, keyed by
// the account in lower case, held from login to the end of the session;
// a second login gets "-ERR [IN-USE]" and may try again. It is in memory
// because one axd process owns the data directory (store.Lock).
//
// # UIDL
//
// A message's unique id is its UID and the INBOX's UIDVALIDITY, each as
// eight upper-case hex digits, "%08X%08X" of (UID, UIDVALIDITY): Dovecot's
// default pop3_uidl_format %08Xu%08Xv, so a migration that keeps UIDs and
// UIDVALIDITY keeps the ids too. UIDs are never reused in a mailbox, so an
// id is stable for the message's life and never names another message.
// Only an index rebuild (new UIDVALIDITY) or renaming INBOX changes them,
// and clients then fetch the messages again rather than lose any.
//
// # Sizes
//
// STAT, LIST and "+OK n octets" of RETR report the size as sent (RFC 1939
// §11): with CRLF line endings, without the stuffed dots and the final
// ".". A stored message is sent with every bare LF turned into CRLF, a CR
// not followed by LF kept as a byte of its line, and a CRLF added after a
// last line that has no ending; each of these counts in the size. So a
// message stored with CRLF throughout has its stored size, and one
// stored with bare LF is larger by one octet per line. The size is found
// by reading the body once through the same code that sends it
// (lineWriter), on first need, and cached per message GUID in the Server
// (bodies never change), bounded in entries.
//
// RETR and TOP stream from the store in 64 KiB chunks, from buffers
// pooled in the Server. The bytes that need no change (CRLF lines not
// led by a dot) go to the session's 32 KiB output buffer in runs, not
// line by line, and a reply is written to the connection once no
// further command waits in the input. TOP sends the header, the empty
// line that ends it and n lines of body; a message without an empty
// line is all header.
//
// # Read-ahead
//
// A client that retrieves one message at a time waits a round trip per
// RETR, the store's work included. So once a RETR's reply is flushed and
// no command waits in the input, the session reads ahead the whole reply
// to RETR of the next message (by number, not deleted) into a 32 KiB
// buffer while the client is still reading, and sends it from there if
// the next command asks for it; any other command leaves it unused. Only
// replies that fit are read ahead (a message of up to about 32 KiB as
// sent); larger ones always stream, so no message over 32 KiB is held
// whole in memory. The buffers are pooled in the Server and together
// bounded to 8 MiB, held sessions included: past that, sessions stream.
// A failure while reading ahead is silent; the RETR then reads the store
// itself and reports it. A message read ahead is sent as it was read,
// even if another session removed it in between, as if the RETR had come
// a moment earlier.
//
// # Timeouts and shutdown
//
// A *listener.Conn applies its own idle and session timeouts (the
// daemon's listener config); other connections get Options.IdleTimeout
// (default 10 minutes, RFC 1939 §3's autologout minimum) before login.
// Either way the account's timeouts apply after login. A timed-out
// session gets "-ERR" and is closed without UPDATE. Shutdown lets a
// command in progress finish, then ends each session with
// "-ERR [SYS/TEMP]", removing nothing.
//
// This package must not parse messages beyond finding line ends and the
// end of the header for TOP, nor check passwords (Options.Authenticate
// does), nor write to the store other than the removal at QUIT.
package pop3d
