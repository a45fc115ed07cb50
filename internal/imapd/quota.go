package imapd

import (
	"math"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/axmail/axmail/internal/store"
)

var _ imapserver.SessionQuota = (*session)(nil)

// quotaRoot is the one quota root of an account (RFC 9208 §3.2): its
// limits cover all its mailboxes, as the store counts its usage.
const quotaRoot = ""

var errNoQuotaRoot = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "No such quota root"}

// QuotaResources returns the resources advertised as QUOTA=RES-*: STORAGE
// always, MESSAGE when the account has a message limit.
func (ss *session) QuotaResources() []imap.QuotaResourceType {
	res := []imap.QuotaResourceType{imap.QuotaResourceStorage}
	if ss.quota().Messages > 0 {
		res = append(res, imap.QuotaResourceMessage)
	}
	return res
}

// GetQuota answers GETQUOTA (RFC 9208 §4.1.1) for the account's root.
func (ss *session) GetQuota(root string) (*imapserver.QuotaData, error) {
	if root != quotaRoot {
		return nil, errNoQuotaRoot
	}
	return ss.quotaData()
}

// GetQuotaRoot answers GETQUOTAROOT (RFC 9208 §4.1.2): every mailbox of
// the account is under its one root.
func (ss *session) GetQuotaRoot(mailbox string) ([]string, []*imapserver.QuotaData, error) {
	name, err := mailboxName(mailbox)
	if err != nil {
		return nil, nil, err
	}
	if _, err := ss.srv.opts.Store.GetMailbox(ss.account, name); err != nil {
		return nil, nil, ss.fail("getquotaroot", err)
	}
	data, err := ss.quotaData()
	if err != nil {
		return nil, nil, err
	}
	return []string{quotaRoot}, []*imapserver.QuotaData{data}, nil
}

// quotaData is the account's usage against its limits: the limits are
// resolved as for APPEND and SMTP (account, domain, server), the usage
// is the store's figure that APPEND's OVERQUOTA check uses. A resource
// without a limit is left out, so an account without a quota has a root
// without resources (RFC 9208 §4.2.1).
func (ss *session) quotaData() (*imapserver.QuotaData, error) {
	q := ss.quota()
	data := &imapserver.QuotaData{Root: quotaRoot, Resources: map[imap.QuotaResourceType]imapserver.QuotaResourceData{}}
	if q.Bytes <= 0 && q.Messages <= 0 {
		return data, nil
	}
	u, err := ss.srv.opts.Store.Usage(ss.account)
	if err != nil {
		return nil, ss.fail("getquota", err)
	}
	if q.Bytes > 0 {
		// STORAGE counts units of 1024 octets (RFC 9208 §5.1). Usage is
		// rounded up and the limit down, so that the room left is never
		// overstated.
		data.Resources[imap.QuotaResourceStorage] = imapserver.QuotaResourceData{Usage: (u.Bytes + 1023) / 1024, Limit: q.Bytes / 1024}
	}
	if q.Messages > 0 {
		data.Resources[imap.QuotaResourceMessage] = imapserver.QuotaResourceData{Usage: u.Messages, Limit: q.Messages}
	}
	return data, nil
}

// deletedStorage is STATUS DELETED-STORAGE (RFC 9208 §4.2.3), in the
// units of STORAGE: the sizes of the messages flagged \Deleted, which an
// EXPUNGE frees, summed and rounded up. It reads the mailbox's index only
// when a message is flagged. STATUS has no partial failure, so a store
// error is logged and counts as 0.
func (ss *session) deletedStorage(mb store.Mailbox) int64 {
	if mb.Deleted == 0 {
		return 0
	}
	var bytes int64
	err := ss.srv.opts.Store.Messages(mb.ID, 1, math.MaxUint32, func(m store.MessageInfo) error {
		if m.Flags&store.FlagDeleted != 0 {
			bytes += m.Size
		}
		return nil
	})
	if err != nil {
		ss.log.Warn("status deleted-storage", "mailbox", mb.Name, "err", err)
		return 0
	}
	return (bytes + 1023) / 1024
}
