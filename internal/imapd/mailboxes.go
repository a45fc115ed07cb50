package imapd

import (
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/axmail/axmail/internal/store"
)

const delim = store.Delimiter

// mailboxName validates a name as the client gave it (imapserver has
// decoded modified UTF-7) and returns the store's form. A trailing
// delimiter is dropped: "a/" names a.
func mailboxName(name string) (string, error) {
	if name != string(delim) {
		name = strings.TrimSuffix(name, string(delim))
	}
	n, err := store.CanonicalName(name)
	if err != nil {
		return "", errBadName
	}
	return n, nil
}

func (ss *session) Create(name string, options *imap.CreateOptions) error {
	n, err := mailboxName(name)
	if err != nil {
		return err
	}
	var use string
	if options != nil && len(options.SpecialUse) > 0 {
		if len(options.SpecialUse) > 1 || !specialUse(options.SpecialUse[0]) {
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: "USEATTR", Text: "Unsupported special-use attribute"}
		}
		use = string(options.SpecialUse[0])
	}
	// RFC 9051 §6.3.4: the server SHOULD create missing superiors; the
	// store leaves that to us.
	parts := strings.Split(n, string(delim))
	for i := 1; i < len(parts); i++ {
		parent := strings.Join(parts[:i], string(delim))
		if _, err := ss.srv.opts.Store.CreateMailbox(ss.ctx, ss.account, parent, store.MailboxOptions{}); err != nil && !errors.Is(err, store.ErrMailboxExists) {
			return ss.fail("create", err)
		}
	}
	if _, err := ss.srv.opts.Store.CreateMailbox(ss.ctx, ss.account, n, store.MailboxOptions{SpecialUse: use}); err != nil {
		return ss.fail("create", err)
	}
	return nil
}

func specialUse(a imap.MailboxAttr) bool {
	switch a {
	case imap.MailboxAttrAll, imap.MailboxAttrArchive, imap.MailboxAttrDrafts, imap.MailboxAttrFlagged,
		imap.MailboxAttrJunk, imap.MailboxAttrSent, imap.MailboxAttrTrash, imap.MailboxAttrImportant:
		return true
	}
	return false
}

func (ss *session) Delete(name string) error {
	n, err := mailboxName(name)
	if err != nil {
		return err
	}
	if n == store.Inbox {
		return errInboxDelete
	}
	if err := ss.srv.opts.Store.DeleteMailbox(ss.ctx, ss.account, n); err != nil {
		return ss.fail("delete", err)
	}
	return nil
}

func (ss *session) Rename(from, to string, _ *imap.RenameOptions) error {
	f, err := mailboxName(from)
	if err != nil {
		return err
	}
	t, err := mailboxName(to)
	if err != nil {
		return err
	}
	if f == t {
		return errMailboxExists
	}
	if err := ss.srv.opts.Store.RenameMailbox(ss.ctx, ss.account, f, t); err != nil {
		return ss.fail("rename", err)
	}
	return nil
}

func (ss *session) Subscribe(name string) error   { return ss.subscribe(name, true) }
func (ss *session) Unsubscribe(name string) error { return ss.subscribe(name, false) }

func (ss *session) subscribe(name string, on bool) error {
	n, err := mailboxName(name)
	if err != nil {
		return err
	}
	if err := ss.srv.opts.Store.SetSubscribed(ss.ctx, ss.account, n, on); err != nil {
		return ss.fail("subscribe", err)
	}
	return nil
}

func (ss *session) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Prefix: "", Delim: delim}}}, nil
}

func (ss *session) Status(name string, options *imap.StatusOptions) (*imap.StatusData, error) {
	n, err := mailboxName(name)
	if err != nil {
		return nil, err
	}
	mb, err := ss.srv.opts.Store.GetMailbox(ss.account, n)
	if err != nil {
		return nil, ss.fail("status", err)
	}
	return ss.statusData(mb, options), nil
}

func (ss *session) statusData(mb store.Mailbox, o *imap.StatusOptions) *imap.StatusData {
	d := &imap.StatusData{Mailbox: mb.Name}
	if o.NumMessages {
		d.NumMessages = ptr(mb.Messages)
	}
	if o.NumRecent {
		d.NumRecent = ptr(uint32(0)) // \Recent is not kept (RFC 9051 dropped it)
	}
	if o.UIDNext {
		d.UIDNext = imap.UID(mb.UIDNext)
	}
	if o.UIDValidity {
		d.UIDValidity = mb.UIDValidity
	}
	if o.NumUnseen {
		d.NumUnseen = ptr(mb.Unseen)
	}
	if o.NumDeleted {
		d.NumDeleted = ptr(mb.Deleted)
	}
	if o.DeletedStorage {
		d.DeletedStorage = ptr(ss.deletedStorage(mb))
	}
	if o.Size {
		d.Size = ptr(mb.Bytes)
	}
	if o.AppendLimit {
		d.AppendLimit = ptr(ss.AppendLimit())
	}
	if o.HighestModSeq {
		d.HighestModSeq = mb.HighestModSeq
	}
	return d
}

func ptr[T any](v T) *T { return &v }

// List answers LIST and LSUB (RFC 9051 §6.3.9, RFC 5258, RFC 5819,
// RFC 6154). Levels that exist only as parents of other mailboxes are
// listed \NonExistent \Noselect.
func (ss *session) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if options == nil {
		options = &imap.ListOptions{}
	}
	if len(patterns) == 0 || (len(patterns) == 1 && patterns[0] == "") {
		// The hierarchy delimiter and root (RFC 9051 §6.3.9).
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: delim})
	}
	mbs, err := ss.srv.opts.Store.ListMailboxes(ss.account)
	if err != nil {
		return ss.fail("list", err)
	}
	byName := make(map[string]*store.Mailbox, len(mbs))
	children := make(map[string]bool)    // name has children
	subChildren := make(map[string]bool) // name has subscribed children
	var names []string
	for i := range mbs {
		mb := &mbs[i]
		byName[mb.Name] = mb
		names = append(names, mb.Name)
	}
	// Implied parents, in name order after the real ones are merged.
	for _, mb := range mbs {
		parts := strings.Split(mb.Name, string(delim))
		for i := 1; i < len(parts); i++ {
			p := strings.Join(parts[:i], string(delim))
			children[p] = true
			if mb.Subscribed {
				subChildren[p] = true
			}
			if _, ok := byName[p]; !ok {
				byName[p] = nil
				names = append(names, p)
			}
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if !matchAny(name, ref, patterns) {
			continue
		}
		mb := byName[name]
		var attrs []imap.MailboxAttr
		subscribed := mb != nil && mb.Subscribed
		if options.SelectSubscribed && !subscribed {
			if !(options.SelectRecursiveMatch && subChildren[name]) {
				continue
			}
		}
		if options.SelectSpecialUse && (mb == nil || mb.SpecialUse == "") {
			continue
		}
		if mb == nil {
			if options.SelectSubscribed {
				// Only reached through RECURSIVEMATCH, or by LSUB.
				attrs = append(attrs, imap.MailboxAttrNonExistent)
			} else {
				attrs = append(attrs, imap.MailboxAttrNonExistent, imap.MailboxAttrNoSelect)
			}
		}
		if children[name] {
			attrs = append(attrs, imap.MailboxAttrHasChildren)
		} else {
			attrs = append(attrs, imap.MailboxAttrHasNoChildren)
		}
		if subscribed && (options.ReturnSubscribed || options.SelectSubscribed) {
			attrs = append(attrs, imap.MailboxAttrSubscribed)
		}
		if mb != nil && mb.SpecialUse != "" {
			attrs = append(attrs, imap.MailboxAttr(mb.SpecialUse))
		}
		data := &imap.ListData{Attrs: attrs, Delim: delim, Mailbox: name}
		if options.SelectRecursiveMatch && subChildren[name] && !subscribed {
			data.ChildInfo = &imap.ListDataChildInfo{Subscribed: true}
		}
		if options.ReturnStatus != nil && mb != nil {
			data.Status = ss.statusData(*mb, options.ReturnStatus)
		}
		if err := w.WriteList(data); err != nil {
			return err
		}
	}
	return nil
}

// matchAny reports whether name matches one of the patterns under ref.
// INBOX matches case-insensitively (RFC 9051 §5.1).
func matchAny(name, ref string, patterns []string) bool {
	for _, p := range patterns {
		if imapserver.MatchList(name, delim, ref, p) {
			return true
		}
		if name == store.Inbox || strings.HasPrefix(name, store.Inbox+string(delim)) {
			full := ref + p
			if len(full) >= len(store.Inbox) && strings.EqualFold(full[:len(store.Inbox)], store.Inbox) {
				if imapserver.MatchList(name, delim, "", store.Inbox+full[len(store.Inbox):]) {
					return true
				}
			}
		}
	}
	return false
}
