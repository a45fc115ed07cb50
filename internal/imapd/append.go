package imapd

import (
	"io"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/axmail/axmail/internal/store"
)

// Append stores a message (RFC 9051 §6.3.12). imapserver has already
// refused a literal larger than AppendLimit with NO [TOOBIG]; the store
// checks the quota in the transaction that stores the message. The reply
// OK comes after the store's fsync.
func (ss *session) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	name, err := mailboxName(mailbox)
	if err != nil {
		return nil, err
	}
	// Its counters are not needed: FindMailbox does not wait for earlier
	// appends to be indexed, so that back-to-back APPENDs share commits.
	mb, err := ss.srv.opts.Store.FindMailbox(ss.account, name)
	if err != nil {
		if reply, _ := replyFor(err); reply == errNoMailbox {
			return nil, errTryCreate
		}
		return nil, ss.fail("append", err)
	}
	var bits store.Flags
	var keywords []string
	if options != nil {
		if bits, keywords, err = storeFlags(options.Flags); err != nil {
			return nil, err
		}
	}
	quota := ss.quota() // refreshes ss.eff, so AppendLimit is current
	limit := int64(ss.AppendLimit())
	if r.Size() > limit {
		return nil, errTooBig
	}
	// The literal's size is known: read it into a buffer of that size at
	// once instead of growing one.
	body := make([]byte, r.Size())
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, ss.fail("append", err)
	}
	date := time.Now()
	if options != nil && !options.Time.IsZero() {
		date = options.Time
	}
	placed, err := ss.srv.opts.Store.Append(ss.ctx, ss.account, mb.Name, body, bits, keywords, date, quota)
	if err == nil {
		err = placed.Err
	}
	if err != nil {
		return nil, ss.fail("append", err)
	}
	ss.log.Debug("message appended", "mailbox", mb.Name, "uid", placed.UID, "size", len(body))
	return &imap.AppendData{UID: imap.UID(placed.UID), UIDValidity: placed.UIDValidity}, nil
}
