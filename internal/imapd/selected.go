package imapd

import (
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/axmail/axmail/internal/store"
)

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
//
// The view is kept small, since idle sessions hold it for hours: the UIDs
// (a sequence number is an index plus one) and, instead of a MODSEQ per
// message, the highest MODSEQ at SELECT (every later change is above it)
// and the few MODSEQs the client was told since, until the next flush.
type selected struct {
	mb       store.Mailbox
	readOnly bool
	uids     []uint32
	watcher  *store.Watcher

	// baseModSeq is the highest MODSEQ of the mailbox's messages at
	// SELECT; told holds, for the messages whose flags the client was
	// told since the last flush (its own STORE, FETCH FLAGS), the MODSEQ
	// it was told. A pending change at or below a message's MODSEQ is not
	// repeated. told is emptied by flush: the store publishes a session's
	// own changes before its command returns, so they have been drained
	// by then.
	baseModSeq uint64
	told       map[uint32]uint64

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
	if len(sel.uids) == 0 {
		return 0
	}
	return sel.uids[len(sel.uids)-1]
}

// seqOf returns the index of uid in the view, or -1.
func (sel *selected) seqOf(uid uint32) int {
	if i, ok := slices.BinarySearch(sel.uids, uid); ok {
		return i
	}
	return -1
}

// vanished returns the UIDs of set, up to the highest the session knows
// of, that are neither in the view nor waiting to be added: messages
// expunged before, whenever that was (the store keeps no expunge history,
// and RFC 7162 §3.2.6 lets VANISHED (EARLIER) name more UIDs than those
// expunged since the client's mod-sequence).
func (sel *selected) vanished(set imap.UIDSet) imap.UIDSet {
	var out imap.UIDSet
	last := sel.lastUID()
	if sel.mb.UIDNext > 0 {
		// Every UID below UIDNEXT at SELECT was in the view or gone.
		last = max(last, sel.mb.UIDNext-1)
	}
	for _, r := range set {
		start, stop := star(uint32(r.Start), last), star(uint32(r.Stop), last)
		if start > stop {
			start, stop = stop, start
		}
		stop = min(stop, last)
		if start == 0 || start > stop {
			continue
		}
		next := start
		i, _ := slices.BinarySearch(sel.uids, start)
		for ; i < len(sel.uids) && sel.uids[i] <= stop; i++ {
			if sel.uids[i] > next {
				out.AddRange(imap.UID(next), imap.UID(sel.uids[i]-1))
			}
			next = sel.uids[i] + 1
		}
		if next <= stop {
			out.AddRange(imap.UID(next), imap.UID(stop))
		}
	}
	return out
}

// toldModSeq is the MODSEQ of the flags of uid the client knows.
func (sel *selected) toldModSeq(uid uint32) uint64 {
	if m, ok := sel.told[uid]; ok {
		return m
	}
	return sel.baseModSeq
}

// tell records that the client was told the flags of uid at modSeq.
func (sel *selected) tell(uid uint32, modSeq uint64) {
	if modSeq <= sel.toldModSeq(uid) {
		return
	}
	if sel.told == nil {
		sel.told = make(map[uint32]uint64)
	}
	sel.told[uid] = modSeq
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
	// Watch before reading the state: a change in between is then seen
	// twice (harmless), never lost.
	w := ss.srv.opts.Store.Watch(ss.account)
	mb, err := ss.srv.opts.Store.GetMailbox(ss.account, n)
	if err != nil {
		w.Close()
		return nil, ss.fail("select", err)
	}
	v, err := ss.srv.opts.Store.SelectView(mb.ID, maxListedKeywords)
	if err != nil {
		w.Close()
		return nil, ss.fail("select", err)
	}
	sel := &selected{
		mb:         mb,
		readOnly:   options != nil && options.ReadOnly,
		uids:       v.UIDs,
		baseModSeq: v.MaxModSeq,
		watcher:    w,
		expunged:   make(map[uint32]bool),
		flags:      make(map[uint32]pendingFlags),
	}
	flags := slices.Clone(mailboxFlags)
	for _, k := range v.Keywords {
		flags = append(flags, imap.Flag(k))
	}
	slices.Sort(flags[len(mailboxFlags):])
	uidNext := mb.UIDNext
	if l := sel.lastUID(); l >= uidNext {
		uidNext = l + 1
	}
	ss.sel = sel
	ss.log.Debug("mailbox selected", "mailbox", mb.Name, "messages", len(sel.uids))
	return &imap.SelectData{
		Flags:             flags,
		PermanentFlags:    permanentFlags(flags, sel.readOnly),
		NumMessages:       uint32(len(sel.uids)),
		FirstUnseenSeqNum: v.FirstUnseen,
		UIDNext:           imap.UID(uidNext),
		UIDValidity:       mb.UIDValidity,
		// mb was read before the view: a change in between is in the
		// view, and HIGHESTMODSEQ must cover it (RFC 7162 §3.1.2.1).
		HighestModSeq: max(mb.HighestModSeq, v.MaxModSeq),
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
	for _, uid := range sel.uids {
		st, ok := have[uid]
		switch {
		case !ok:
			sel.expunged[uid] = true
		case st.ModSeq > sel.toldModSeq(uid):
			sel.flags[uid] = pendingFlags{st.Flags, st.Keywords, st.ModSeq}
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
		for _, uid := range sel.uids {
			sel.expunged[uid] = true
		}
		sel.added = nil
	}
	if allowExpunge && len(sel.expunged) > 0 {
		if err := ss.removeFromView(sel.expunged, w.WriteExpungeUID); err != nil {
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
				sel.uids = append(sel.uids, uid)
				last, grew = uid, true
			}
		}
		sel.added = sel.added[:0]
		if grew {
			if err := w.WriteNumMessages(uint32(len(sel.uids))); err != nil {
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
			if p.modSeq <= sel.toldModSeq(uid) {
				continue // the client was told already (its own STORE)
			}
			if err := w.WriteMessageFlagsModSeq(uint32(i+1), imap.UID(uid), imapFlags(p.flags, p.keywords), p.modSeq); err != nil {
				return err
			}
		}
	}
	sel.told = nil // every change up to now is drained and weighed
	return nil
}

// removeFromView removes the given UIDs from the view, telling the client
// each sequence number as it goes (each EXPUNGE shifts the ones after it:
// RFC 9051 §7.5.1), or its UID in VANISHED once QRESYNC is enabled.
func (ss *session) removeFromView(uids map[uint32]bool, write func(seq uint32, uid imap.UID) error) error {
	sel := ss.sel
	kept := sel.uids[:0]
	var err error
	for _, uid := range sel.uids {
		if !uids[uid] {
			kept = append(kept, uid)
			continue
		}
		if err == nil {
			// The sequence number now: i+1 less the i-len(kept)
			// removed before it.
			err = write(uint32(len(kept)+1), imap.UID(uid))
		}
	}
	sel.uids = kept
	return err
}
