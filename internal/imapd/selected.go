package imapd

import (
	"slices"
	"sort"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/axmail/axmail/internal/store"
)

// viewMsg is one message as the client knows it: sequence number is its
// index in the view plus one.
type viewMsg struct {
	uid    uint32
	modSeq uint64 // of the flags the client was last told (or saw at SELECT)
}

// pendingFlags is a flag change the client has not been told yet.
type pendingFlags struct {
	flags    store.Flags
	keywords []string
	modSeq   uint64
}

// selected is the session's view of its selected mailbox. The view changes
// only when the client is told: EXISTS appends to it, EXPUNGE removes from
// it, so sequence numbers stay those the client knows. Changes by other
// sessions (and deliveries) arrive from the store's Watcher and wait in
// the pending fields until imapserver lets the session speak (Poll, Idle).
type selected struct {
	mb       store.Mailbox
	readOnly bool
	view     []viewMsg
	watcher  *store.Watcher

	expunged map[uint32]bool // UIDs in the view the store no longer has
	added    []uint32        // UIDs above the view's last, unsorted
	flags    map[uint32]pendingFlags
	gone     bool // the mailbox was deleted or renamed away

	// saved is the result of the last SEARCH RETURN (SAVE), as UIDs in
	// order: "$" (RFC 5182), empty after SELECT.
	saved []uint32
}

func (sel *selected) close() { sel.watcher.Close() }

func (sel *selected) lastUID() uint32 {
	if len(sel.view) == 0 {
		return 0
	}
	return sel.view[len(sel.view)-1].uid
}

// seqOf returns the index of uid in the view, or -1.
func (sel *selected) seqOf(uid uint32) int {
	i := sort.Search(len(sel.view), func(i int) bool { return sel.view[i].uid >= uid })
	if i < len(sel.view) && sel.view[i].uid == uid {
		return i
	}
	return -1
}

func (ss *session) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	if ss.sel != nil {
		ss.sel.close()
		ss.sel = nil
	}
	n, err := mailboxName(name)
	if err != nil {
		return nil, err
	}
	if options != nil && options.CondStore {
		return nil, errNoCondStore
	}
	// Watch before reading the state: a change in between is then seen
	// twice (harmless), never lost.
	w := ss.srv.opts.Store.Watch(ss.account)
	mb, err := ss.srv.opts.Store.GetMailbox(ss.account, n)
	if err != nil {
		w.Close()
		return nil, ss.fail("select", err)
	}
	states, err := ss.srv.opts.Store.States(mb.ID)
	if err != nil {
		w.Close()
		return nil, ss.fail("select", err)
	}
	sel := &selected{
		mb:       mb,
		readOnly: options != nil && options.ReadOnly,
		view:     make([]viewMsg, len(states)),
		watcher:  w,
		expunged: make(map[uint32]bool),
		flags:    make(map[uint32]pendingFlags),
	}
	var firstUnseen uint32
	keywords := make(map[string]bool)
	for i, st := range states {
		sel.view[i] = viewMsg{uid: st.UID, modSeq: st.ModSeq}
		if firstUnseen == 0 && st.Flags&store.FlagSeen == 0 {
			firstUnseen = uint32(i + 1)
		}
		for _, k := range st.Keywords {
			if len(keywords) < maxListedKeywords {
				keywords[k] = true
			}
		}
	}
	flags := slices.Clone(mailboxFlags)
	for k := range keywords {
		flags = append(flags, imap.Flag(k))
	}
	slices.Sort(flags[len(mailboxFlags):])
	uidNext := mb.UIDNext
	if l := sel.lastUID(); l >= uidNext {
		uidNext = l + 1
	}
	ss.sel = sel
	ss.log.Debug("mailbox selected", "mailbox", mb.Name, "messages", len(states))
	return &imap.SelectData{
		Flags:             flags,
		PermanentFlags:    permanentFlags(flags, sel.readOnly),
		NumMessages:       uint32(len(sel.view)),
		FirstUnseenSeqNum: firstUnseen,
		UIDNext:           imap.UID(uidNext),
		UIDValidity:       mb.UIDValidity,
	}, nil
}

// mailboxFlags are the system flags every mailbox has; SELECT adds the
// keywords its messages use, up to maxListedKeywords.
var mailboxFlags = []imap.Flag{imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagSeen, imap.FlagDraft, imap.FlagForwarded}

const maxListedKeywords = 256

// permanentFlags are the flags the client may set: all, and new keywords
// (\*), unless the mailbox is read-only.
func permanentFlags(flags []imap.Flag, readOnly bool) []imap.Flag {
	if readOnly {
		return []imap.Flag{}
	}
	return append(slices.Clone(flags), imap.FlagWildcard)
}

func (ss *session) Unselect() error {
	if ss.sel != nil {
		ss.sel.close()
		ss.sel = nil
	}
	return nil
}

// Poll tells the client what changed since it last heard, as imapserver
// allows after each command (no EXPUNGE after FETCH, STORE and SEARCH:
// RFC 9051 §7.5.1).
func (ss *session) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	if ss.sel == nil {
		return nil
	}
	ss.drain()
	return ss.flush(w, allowExpunge)
}

// Idle waits for changes and tells them as they come, until stop. It runs
// in a goroutine of its own that imapserver does not always wait for (a
// connection that breaks during IDLE is closed at once), so it holds
// ss.idleMu, which Close takes too.
func (ss *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	ss.idleMu.Lock()
	defer ss.idleMu.Unlock()
	if ss.closed {
		return nil
	}
	if ss.sel == nil {
		select {
		case <-stop:
		case <-ss.ctx.Done():
		}
		return nil
	}
	if err := ss.Poll(w, true); err != nil {
		return err
	}
	for {
		select {
		case <-stop:
			return nil
		case <-ss.ctx.Done():
			return nil
		case changes, ok := <-ss.sel.watcher.C:
			if !ok {
				return nil
			}
			ss.apply(changes)
			ss.drain()
			if err := ss.flush(w, true); err != nil {
				return err
			}
		}
	}
}

// drain takes the changes the watcher holds without waiting.
func (ss *session) drain() {
	sel := ss.sel
	for {
		select {
		case changes, ok := <-sel.watcher.C:
			if !ok {
				return
			}
			ss.apply(changes)
			continue
		default:
		}
		break
	}
	if sel.watcher.Overflowed() {
		ss.log.Debug("watcher overflowed; comparing the view with the store", "mailbox", sel.mb.Name)
		ss.resync()
	}
}

// apply records the changes of one commit that concern the selected
// mailbox.
func (ss *session) apply(changes []store.Change) {
	sel := ss.sel
	for _, c := range changes {
		if c.Mailbox != sel.mb.ID {
			continue
		}
		switch c.Kind {
		case store.ChangeAppend:
			if c.UID > sel.lastUID() {
				sel.added = append(sel.added, c.UID)
			}
		case store.ChangeFlags:
			if p, ok := sel.flags[c.UID]; !ok || c.ModSeq > p.modSeq {
				sel.flags[c.UID] = pendingFlags{c.Flags, c.Keywords, c.ModSeq}
			}
		case store.ChangeExpunge:
			sel.expunged[c.UID] = true
			delete(sel.flags, c.UID)
		case store.ChangeMailbox:
			if c.Name != sel.mb.Name {
				// Deleted or renamed away: the client sees it empty.
				sel.gone = true
			}
		}
	}
}

// resync rebuilds the pending changes from the store after the watcher
// lost some.
func (ss *session) resync() {
	sel := ss.sel
	states, err := ss.srv.opts.Store.States(sel.mb.ID)
	if err != nil {
		sel.gone = true
		return
	}
	have := make(map[uint32]store.MessageState, len(states))
	for _, st := range states {
		have[st.UID] = st
	}
	for _, m := range sel.view {
		st, ok := have[m.uid]
		switch {
		case !ok:
			sel.expunged[m.uid] = true
		case st.ModSeq > m.modSeq:
			sel.flags[m.uid] = pendingFlags{st.Flags, st.Keywords, st.ModSeq}
		}
	}
	last := sel.lastUID()
	for _, st := range states {
		if st.UID > last {
			sel.added = append(sel.added, st.UID)
		}
	}
}

// flush tells the client the pending changes: EXPUNGE (when allowed),
// then EXISTS, then FETCH FLAGS.
func (ss *session) flush(w *imapserver.UpdateWriter, allowExpunge bool) error {
	sel := ss.sel
	if sel.gone {
		for _, m := range sel.view {
			sel.expunged[m.uid] = true
		}
		sel.added = nil
	}
	if allowExpunge && len(sel.expunged) > 0 {
		if err := ss.removeFromView(sel.expunged, w.WriteExpunge); err != nil {
			return err
		}
		clear(sel.expunged)
	}
	if len(sel.added) > 0 {
		slices.Sort(sel.added)
		last := sel.lastUID()
		grew := false
		for _, uid := range sel.added {
			if uid > last {
				sel.view = append(sel.view, viewMsg{uid: uid})
				last, grew = uid, true
			}
		}
		sel.added = sel.added[:0]
		if grew {
			if err := w.WriteNumMessages(uint32(len(sel.view))); err != nil {
				return err
			}
		}
	}
	if len(sel.flags) > 0 {
		uids := make([]uint32, 0, len(sel.flags))
		for uid := range sel.flags {
			uids = append(uids, uid)
		}
		slices.Sort(uids)
		for _, uid := range uids {
			p := sel.flags[uid]
			i := sel.seqOf(uid)
			if i < 0 || sel.expunged[uid] {
				if uid > sel.lastUID() {
					continue // not announced yet: kept for later
				}
				delete(sel.flags, uid)
				continue
			}
			delete(sel.flags, uid)
			if p.modSeq <= sel.view[i].modSeq {
				continue // the client was told already (its own STORE)
			}
			sel.view[i].modSeq = p.modSeq
			if err := w.WriteMessageFlags(uint32(i+1), imap.UID(uid), imapFlags(p.flags, p.keywords)); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeFromView removes the given UIDs from the view, telling the client
// each sequence number as it goes (each EXPUNGE shifts the ones after it:
// RFC 9051 §7.5.1).
func (ss *session) removeFromView(uids map[uint32]bool, write func(seq uint32) error) error {
	sel := ss.sel
	kept := sel.view[:0]
	var err error
	for _, m := range sel.view {
		if !uids[m.uid] {
			kept = append(kept, m)
			continue
		}
		if err == nil {
			// The sequence number now: i+1 less the i-len(kept)
			// removed before it.
			err = write(uint32(len(kept) + 1))
		}
	}
	clear(sel.view[len(kept):])
	sel.view = kept
	return err
}
