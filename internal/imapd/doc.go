// Package imapd is axmail's IMAP server (IMAP4rev1, RFC 3501, and
// IMAP4rev2, RFC 9051, with IDLE, UIDPLUS, MOVE, UNSELECT, NAMESPACE,
// SPECIAL-USE, CREATE-SPECIAL-USE, LIST-EXTENDED, LIST-STATUS,
// STATUS=SIZE, ESEARCH, SEARCHRES, BINARY, CHILDREN, ENABLE, UTF8=ACCEPT,
// LITERAL+, SASL-IR, APPENDLIMIT, CONDSTORE, QRESYNC, QUOTA and ID), a
// backend for go-imap v2's imapserver (the patched copy in
// third_party/go-imap): the library owns the wire protocol (parsing,
// literals, STARTTLS, AUTHENTICATE PLAIN), this package supplies the
// Session over internal/store and internal/directory. It holds no storage
// logic.
//
// # Login
//
// LOGIN and AUTHENTICATE PLAIN go to Options.Authenticate, then the
// account must be enabled and allowed the "imap" service. Passwords are
// accepted under TLS, from loopback (unless Options.LoopbackInsecure) or
// with Options.InsecureAuth; elsewhere the client sees LOGINDISABLED until
// STARTTLS. imapserver decides that per server, so Serve runs two
// imapserver.Servers and hands each connection to the one that fits it.
// A failed login feeds the connection's listener.Guard: its delay is
// waited out before the reply, and past its limit the reply is followed by
// BYE. Tagged BAD replies count as bad commands (conn.go watches the
// replies, skipping literals; after STARTTLS it is blind). At the first
// login of an account that has nothing but INBOX, Sent, Drafts, Trash,
// Junk and Archive are created with their RFC 6154 attributes, subscribed.
//
// # Sequence numbers and UIDs
//
// A selected mailbox is a view (selected.go): the UIDs the client knows,
// in order (4 bytes a message, as idle sessions keep it for hours), the
// highest MODSEQ at SELECT and the MODSEQs of the flags it was told since
// the last update it was sent. A sequence number is an index into the
// view plus one. The view changes
// only when the client is told: EXISTS appends new UIDs, EXPUNGE removes
// one, and each EXPUNGE's number accounts for the ones before it. A
// sequence number beyond the view is BAD; UIDs the view lacks are ignored.
// EXPUNGE only removes messages the view holds.
//
// # Notifications
//
// SELECT opens a store.Watcher on the account before reading the mailbox,
// so nothing committed in between is lost. Changes of the selected mailbox
// (appends by SMTP, LMTP or another session, flag changes, expunges) wait
// in the session until imapserver lets it speak: after each command (no
// EXPUNGE after FETCH, STORE and SEARCH, RFC 9051 §7.5.1) and at once
// during IDLE, which waits on the watcher's channel. The store publishes
// after its commit, so a delivery reaches an IDLE client within
// milliseconds. A flag change the session made itself is not repeated to
// it (its MODSEQ is in the view). A watcher that overflowed makes the
// session compare its view with the store's state (States) instead.
//
// # CONDSTORE and QRESYNC
//
// Mod-sequences are the store's (RFC 7162): every mailbox has them and
// keeps them across restarts, so every SELECT and EXAMINE answers
// HIGHESTMODSEQ (never NOMODSEQ), the highest of the mailbox's counter and
// of its messages' MODSEQs as the view was read. STATUS HIGHESTMODSEQ is
// the counter. imapserver parses the items and modifiers and records when
// a command enables CONDSTORE for the connection (ENABLE, SELECT
// (CONDSTORE), STATUS (HIGHESTMODSEQ), FETCH MODSEQ or CHANGEDSINCE, STORE
// UNCHANGEDSINCE, SEARCH MODSEQ); from then on every FETCH that carries
// FLAGS carries MODSEQ too: replies to FETCH and STORE, and the flag
// changes of other sessions told after a command or during IDLE. A STORE
// with UNCHANGEDSINCE is one store transaction that tests and changes each
// message: those whose MODSEQ is above it are left alone, get no FETCH,
// and are listed in the tagged OK [MODIFIED set] (sequence numbers, or
// UIDs for UID STORE). A changed message gets its FETCH with MODSEQ even
// under .SILENT once CONDSTORE is enabled. SEARCH MODSEQ matches MODSEQs
// at or above its value (the optional entry name and type are parsed and
// ignored: flags are the only metadata) and the reply gives the highest
// MODSEQ found, as (MODSEQ n) or ESEARCH's MODSEQ. UNCHANGEDSINCE 0 fails
// for every message, so such a STORE changes nothing and lists them all.
//
// QRESYNC (RFC 7162 §3.2) applies once the client ENABLEs it (which
// enables CONDSTORE too): expunges are told as VANISHED with their UIDs
// instead of EXPUNGE (the session's own EXPUNGE and MOVE, and other
// sessions' after a command or during IDLE), and every FETCH carries UID.
// UID FETCH ... (CHANGEDSINCE n VANISHED) and SELECT or EXAMINE (QRESYNC
// (uidvalidity modseq [known-uids] [seq-match-data])) send VANISHED
// (EARLIER) and then a FETCH of each message changed since n. The store
// keeps no record of expunged UIDs, so VANISHED (EARLIER) lists every UID
// of the set, up to the highest the session knows of, that the mailbox no
// longer has, however long ago it went (RFC 7162 allows more than those
// expunged since the mod-sequence); it is left out when HIGHESTMODSEQ is
// not above n, since every expunge raises it. The seq-match-data is
// parsed and not used.
//
// # What is cached, what is streamed
//
// FLAGS, UID, INTERNALDATE and RFC822.SIZE come from the index;
// ENVELOPE, BODY and BODYSTRUCTURE from the summary the store caches per
// message (internal/message), computed by streaming the message only if
// none was cached. A FETCH of nothing but UID, FLAGS and MODSEQ over at
// least a sixteenth of the mailbox (FETCH 1:* (UID FLAGS), as clients
// resynchronise) reads the store's hot cache of the whole mailbox in one
// call instead (fetchcache.go); imapserver leaves FETCH responses in the
// connection's buffer rather than flushing each. SELECT, STATUS and LIST read the index only. Body
// sections (BODY[], HEADER, HEADER.FIELDS(.NOT), TEXT, MIME, part numbers,
// partial ranges) are located by scanning header blocks and MIME
// boundaries through a bounded buffer (sections.go), numbering and sizing
// parts as internal/message does for BODYSTRUCTURE, and then streamed from
// the container with pread. BINARY sections are decoded as they stream,
// once to count their size and once to send them (binary.go). A message
// is never held whole, except by
// APPEND, which the store needs whole, bounded by APPENDLIMIT (the
// account's message size limit, DefaultAppendLimit without one). SEARCH
// reads headers or streams text parts only for the keys that need them.
//
// # Output buffering
//
// imapserver flushes after every response; conn.go's watchConn gathers
// the writes in a pooled 64 KiB buffer (outbuf.go) sent before the
// connection reads the next command, when full, and 500 µs after its
// first byte (so IDLE updates go out at once). An idle connection holds
// no buffer. It sits below a STARTTLS *tls.Conn (buffering ciphertext)
// and above an implicit one.
//
// # Quota and ID
//
// QUOTA (RFC 9208, quota.go): an account has one quota root, "", over all
// its mailboxes. GETQUOTAROOT and GETQUOTA report the store's usage (the
// figure APPEND's and COPY's OVERQUOTA check uses) against the limits
// directory.Effective resolves (account, then domain, then server, as
// smtpd does): STORAGE in KiB (usage rounded up, limit down) if the
// account has a byte quota, MESSAGE if it has a message limit; without
// either the root has no resources, "* QUOTA \"\" ()" (RFC 9208
// §4.2.1). QUOTA=RES-STORAGE is always advertised, QUOTA=RES-MESSAGE when
// the account has a message limit. SETQUOTA is NO [NOPERM]: administrators
// set limits with axctl. STATUS DELETED-STORAGE sums the sizes of the
// messages flagged \Deleted. ID (RFC 2971, id.go) answers the name and
// vendor "axmail" and Options.Version, and logs the client's fields at
// debug level; imapserver bounds them to 30 fields.
//
// # Errors
//
// Store errors become replies in one place (errors.go): NONEXISTENT,
// TRYCREATE, ALREADYEXISTS, OVERQUOTA, TOOBIG, CANNOT; anything else is
// NO [UNAVAILABLE] with the detail in the log only. APPEND and COPY
// replies follow the store's fsync. Some client errors are answered by
// imapserver itself, before the session sees them: an invalid number in a
// set, an unknown SEARCH key, a bad date or a mailbox name that is not
// modified UTF-7 is BAD [CLIENTBUG]; a literal of more than 4096 bytes
// where a string is expected (SELECT {5000}) is BAD [TOOBIG] at once; a
// refused non-synchronizing literal (LITERAL+, such as an APPEND beyond
// APPENDLIMIT) is read and dropped, up to 1 MiB, beyond which the server
// says BYE; its bytes are never read as commands
// (third_party/go-imap/AXMAIL.md).
//
// # Not supported
//
// QUOTASET is not advertised. \Recent is not supported (RFC
// 9051 dropped it): it is never set, so RECENT and NEW match nothing and
// STATUS RECENT is 0.
package imapd
