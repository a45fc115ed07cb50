package pop3d

import (
	"errors"
	"io"
	"strconv"

	"github.com/axmail/axmail/internal/store"
)

// msgArg parses a message-number argument. A malformed number (sign,
// letters, more than 9 digits) is a bad command; a well-formed one that
// names no message, or a deleted one, gets ok false and its -ERR.
func (ss *session) msgArg(arg string) (m *dropMsg, n int, quit, ok bool) {
	n, valid := parseNumber(arg)
	if !valid {
		return nil, 0, ss.bad("invalid message number"), false
	}
	m, why := ss.md.get(n)
	if m == nil {
		ss.reply("-ERR %s", why)
		return nil, n, false, false
	}
	return m, n, false, true
}

// storeFailed replies to a failed store read before anything of the reply
// was sent.
func (ss *session) storeFailed(what string, err error) bool {
	if errors.Is(err, store.ErrNoMessage) {
		ss.reply("-ERR message was removed by another session")
		return false
	}
	ss.log.Warn(what+" failed", "err", err)
	ss.reply("-ERR [SYS/TEMP] temporary failure reading the maildrop")
	return false
}

// stat sizes the maildrop (see maildrop.stat) with a chunk buffer of the
// server's pool.
func (ss *session) stat() (count int, size int64, err error) {
	buf := ss.srv.chunks.get()
	defer ss.srv.chunks.put(buf)
	return ss.md.stat(ss.srv.base, ss.srv.opts.Store, ss.srv.sizes, *buf)
}

func (ss *session) cmdSTAT(cmd command) bool {
	if len(cmd.Args) != 0 {
		return ss.bad("syntax error: STAT takes no argument")
	}
	count, size, err := ss.stat()
	if err != nil {
		return ss.storeFailed("stat", err)
	}
	ss.reply("+OK %d %d", count, size)
	return false
}

// cmdLIST gives sizes as sent (see doc.go), one message or all of them.
func (ss *session) cmdLIST(cmd command) bool {
	st, cache := ss.srv.opts.Store, ss.srv.sizes
	switch len(cmd.Args) {
	case 1:
		m, n, quit, ok := ss.msgArg(cmd.Args[0])
		if !ok {
			return quit
		}
		buf := ss.srv.chunks.get()
		size, err := ss.md.sizeOf(ss.srv.base, st, cache, m, *buf)
		ss.srv.chunks.put(buf)
		if err != nil {
			return ss.storeFailed("list", err)
		}
		ss.reply("+OK %d %d", n, size)
		return false
	case 0:
		count, size, err := ss.stat()
		if err != nil {
			return ss.storeFailed("list", err)
		}
		ss.reply("+OK %d messages (%d octets)", count, size)
		for i := range ss.md.msgs {
			if m := &ss.md.msgs[i]; !m.deleted {
				ss.replyAppend(func(b []byte) []byte {
					b = strconv.AppendInt(b, int64(i+1), 10)
					return strconv.AppendInt(append(b, ' '), m.size, 10)
				})
			}
		}
		ss.reply(".")
		return false
	}
	return ss.bad("syntax error: LIST [msg]")
}

func (ss *session) cmdUIDL(cmd command) bool {
	switch len(cmd.Args) {
	case 1:
		m, n, quit, ok := ss.msgArg(cmd.Args[0])
		if !ok {
			return quit
		}
		ss.reply("+OK %d %s", n, ss.md.appendUIDL(nil, m))
		return false
	case 0:
		ss.reply("+OK unique-id listing follows")
		for i := range ss.md.msgs {
			if m := &ss.md.msgs[i]; !m.deleted {
				ss.replyAppend(func(b []byte) []byte {
					b = strconv.AppendInt(b, int64(i+1), 10)
					return ss.md.appendUIDL(append(b, ' '), m)
				})
			}
		}
		ss.reply(".")
		return false
	}
	return ss.bad("syntax error: UIDL [msg]")
}

func (ss *session) cmdRETR(cmd command) bool {
	if len(cmd.Args) != 1 {
		return ss.bad("syntax error: RETR msg")
	}
	m, n, quit, ok := ss.msgArg(cmd.Args[0])
	if !ok {
		return quit
	}
	ss.lastRETR = n
	if reply, ok := ss.takeAhead(n); ok {
		ss.bw.Write(reply)
		ss.dropAhead()
		return false
	}
	return ss.send(m, false, 0)
}

func (ss *session) cmdTOP(cmd command) bool {
	if len(cmd.Args) != 2 {
		return ss.bad("syntax error: TOP msg lines")
	}
	lines, valid := parseNumber(cmd.Args[1])
	if !valid {
		return ss.bad("invalid number of lines")
	}
	m, _, quit, ok := ss.msgArg(cmd.Args[0])
	if !ok {
		return quit
	}
	return ss.send(m, true, lines)
}

// send streams a message (RETR) or its top (TOP) from the store,
// dot-stuffed with CRLF line endings, without holding it in memory. Once
// "+OK" is out a failure cannot be told apart from the message, so it
// ends the session: the client sees a truncated reply and its deletions
// are not applied.
func (ss *session) send(m *dropMsg, top bool, lines int) (quit bool) {
	r, err := ss.srv.opts.Store.OpenMessage(m.guid)
	if err != nil {
		return ss.storeFailed("open message", err)
	}
	defer r.Close()
	buf := ss.srv.chunks.get()
	defer ss.srv.chunks.put(buf)
	if top {
		ss.reply("+OK top of message follows")
	} else {
		if m.size < 0 {
			if n, ok := ss.srv.sizes.get(m.guid); ok {
				m.size = n
			} else if n, err := sentSize(ss.srv.base, io.NewSectionReader(r, 0, r.Size()), *buf); err != nil {
				return ss.storeFailed("size message", err)
			} else {
				ss.srv.sizes.put(m.guid, n)
				m.size = n
			}
		}
		ss.replyAppend(func(b []byte) []byte {
			return append(strconv.AppendInt(append(b, "+OK "...), m.size, 10), " octets"...)
		})
	}
	lw := lineWriter{w: ss.bw, stuff: true, top: top, bodyLines: lines}
	if err := copyMessage(ss.srv.base, &lw, r, *buf); err != nil {
		ss.log.Warn("message transfer failed", "uid", m.uid, "err", err)
		return true
	}
	ss.bw.WriteString(".\r\n")
	return false
}

func (ss *session) cmdDELE(cmd command) bool {
	if len(cmd.Args) != 1 {
		return ss.bad("syntax error: DELE msg")
	}
	m, n, quit, ok := ss.msgArg(cmd.Args[0])
	if !ok {
		return quit
	}
	m.deleted = true
	ss.reply("+OK message %d deleted", n)
	return false
}

func (ss *session) cmdRSET(cmd command) bool {
	if len(cmd.Args) != 0 {
		return ss.bad("syntax error: RSET takes no argument")
	}
	ss.md.reset()
	ss.reply("+OK maildrop has %d messages", len(ss.md.msgs))
	return false
}

// cmdQUIT enters the UPDATE state (RFC 1939 §6): the messages marked
// deleted are removed in one store transaction, under the server's
// context so that a client gone after QUIT does not cut it short. The
// reply follows the commit.
func (ss *session) cmdQUIT(cmd command) bool {
	if len(cmd.Args) != 0 {
		return ss.bad("syntax error: QUIT takes no argument")
	}
	uids := ss.md.deletedUIDs()
	left := len(ss.md.msgs) - len(uids)
	if len(uids) > 0 && ss.md.exists {
		removed, err := ss.srv.opts.Store.Remove(ss.srv.base, ss.md.mailbox, uids)
		if err != nil {
			ss.log.Warn("removal at quit failed", "messages", len(uids), "err", err)
			ss.reply("-ERR [SYS/TEMP] deleted messages not removed")
			return true
		}
		ss.log.Info("messages removed", "messages", len(removed))
	}
	ss.reply("+OK %s POP3 server signing off (%d messages left)", ss.srv.opts.Hostname, left)
	return true
}
