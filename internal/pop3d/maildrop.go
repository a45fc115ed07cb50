package pop3d

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/axmail/axmail/internal/store"
)

// maildrop is a session's view of an account's INBOX, fixed at login:
// message numbers, UIDLs and sizes do not change during the session
// (RFC 1939 §5), whatever IMAP or a delivery does meanwhile.
type maildrop struct {
	mailbox     store.MailboxID
	uidValidity uint32
	exists      bool // false: the account has no INBOX yet, the maildrop is empty
	msgs        []dropMsg
}

// dropMsg is one message of the maildrop.
type dropMsg struct {
	uid     uint32
	guid    store.GUID
	size    int64 // as sent; -1 until computed
	deleted bool  // DELE'd in this session
}

// openMaildrop reads the INBOX of account from the index.
func openMaildrop(st *store.Store, account string) (*maildrop, error) {
	mb, err := st.GetMailbox(account, store.Inbox)
	if errors.Is(err, store.ErrNoMailbox) {
		return &maildrop{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open maildrop of %s: %w", account, err)
	}
	md := &maildrop{mailbox: mb.ID, uidValidity: mb.UIDValidity, exists: true}
	err = st.Messages(mb.ID, 1, math.MaxUint32, func(mi store.MessageInfo) error {
		md.msgs = append(md.msgs, dropMsg{uid: mi.UID, guid: mi.GUID, size: -1})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list maildrop of %s: %w", account, err)
	}
	return md, nil
}

// uidl is the unique-id listing of a message: its UID and the mailbox's
// UIDVALIDITY in Dovecot's default pop3_uidl_format (%08Xu%08Xv), so that
// clients that move from Dovecot with UIDs kept see no new messages.
// It is appended to b as "%08X%08X" of (UID, UIDVALIDITY) would print
// it, without fmt: UIDL lists it once per message.
func (md *maildrop) appendUIDL(b []byte, m *dropMsg) []byte {
	return appendHex8(appendHex8(b, m.uid), md.uidValidity)
}

// appendHex8 appends v as eight upper-case hex digits.
func appendHex8(b []byte, v uint32) []byte {
	const digits = "0123456789ABCDEF"
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, digits[v>>shift&0xf])
	}
	return b
}

// get returns message number n (from 1), or nil if there is none or it
// is deleted, with the reply text for that case.
func (md *maildrop) get(n int) (*dropMsg, string) {
	if n < 1 || n > len(md.msgs) {
		return nil, "no such message"
	}
	m := &md.msgs[n-1]
	if m.deleted {
		return nil, "message already deleted"
	}
	return m, ""
}

// sizeOf returns a message's size as sent, reading it once, in chunks of
// buf, if neither the session nor the server's cache knows it.
func (md *maildrop) sizeOf(ctx context.Context, st *store.Store, cache *sizeCache, m *dropMsg, buf []byte) (int64, error) {
	if m.size >= 0 {
		return m.size, nil
	}
	if n, ok := cache.get(m.guid); ok {
		m.size = n
		return n, nil
	}
	r, err := st.OpenMessage(m.guid)
	if err != nil {
		return 0, fmt.Errorf("open message uid %d: %w", m.uid, err)
	}
	defer r.Close()
	n, err := sentSize(ctx, r, buf)
	if err != nil {
		return 0, fmt.Errorf("size message uid %d: %w", m.uid, err)
	}
	cache.put(m.guid, n)
	m.size = n
	return n, nil
}

// stat returns the number and total size of the messages not deleted;
// buf is the chunk buffer of the messages it has to read.
func (md *maildrop) stat(ctx context.Context, st *store.Store, cache *sizeCache, buf []byte) (count int, size int64, err error) {
	for i := range md.msgs {
		m := &md.msgs[i]
		if m.deleted {
			continue
		}
		n, err := md.sizeOf(ctx, st, cache, m, buf)
		if err != nil {
			return 0, 0, err
		}
		count++
		size += n
	}
	return count, size, nil
}

// deletedUIDs returns the UIDs marked deleted, in order.
func (md *maildrop) deletedUIDs() []uint32 {
	var uids []uint32
	for _, m := range md.msgs {
		if m.deleted {
			uids = append(uids, m.uid)
		}
	}
	return uids
}

// reset unmarks every deleted message (RSET).
func (md *maildrop) reset() {
	for i := range md.msgs {
		md.msgs[i].deleted = false
	}
}
