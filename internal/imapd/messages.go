package imapd

import (
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/axmail/axmail/internal/store"
)

// Store answers STORE and UID STORE (RFC 9051 §6.4.6). With
// UNCHANGEDSINCE (RFC 7162 §3.1.3) the store tests and changes every
// message in one transaction; those that fail are left alone, get no
// FETCH, and are listed in the tagged OK [MODIFIED]. Once CONDSTORE is
// enabled, each FETCH carries MODSEQ, and a changed message gets one even
// with .SILENT (as in RFC 7162's examples).
func (ss *session) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	sel := ss.sel
	var unchangedSince uint64
	failAll := false
	if options != nil {
		unchangedSince = options.UnchangedSince
		// Every message has a MODSEQ above 0: all fail (RFC 7162
		// §3.1.3), which the store's 0 (no test) cannot say.
		failAll = options.HasUnchangedSince && unchangedSince == 0
	}
	withModSeq := ss.condStore()
	withUID := ss.qresync() // RFC 7162 §3.2.10
	idx, err := sel.resolve(numSet)
	if err != nil {
		return err
	}
	if sel.readOnly {
		return errReadOnly
	}
	bits, keywords, err := storeFlags(flags.Flags)
	if err != nil {
		return err
	}
	var op store.FlagOp
	switch flags.Op {
	case imap.StoreFlagsAdd:
		op = store.FlagsAdd
	case imap.StoreFlagsDel:
		op = store.FlagsRemove
	default:
		op = store.FlagsSet
	}
	if len(idx) == 0 {
		return nil
	}
	uids := sel.uidsOf(idx)
	var updated []store.FlagUpdate
	var failed []uint32
	if failAll {
		infos, err := ss.infos(nil, uids)
		if err != nil {
			return ss.fail("store", err)
		}
		for _, info := range infos {
			if info.UID != 0 {
				failed = append(failed, info.UID)
			}
		}
	} else {
		updated, failed, err = ss.srv.opts.Store.StoreFlags(ss.ctx, sel.mb.ID, uids, op, bits, keywords, unchangedSince)
		if err != nil {
			return ss.fail("store", err)
		}
	}
	_, isUID := numSet.(imap.UIDSet)
	changed := make(map[uint32]store.FlagUpdate, len(updated))
	for _, u := range updated {
		changed[u.UID] = u
	}
	refused := make(map[uint32]bool, len(failed))
	for _, uid := range failed {
		refused[uid] = true
	}
	// Unchanged messages still get their flags in the reply (RFC 9051
	// §6.4.6), read in one pass; one expunged meanwhile is left out.
	var unchanged map[uint32]store.MessageInfo
	if !flags.Silent && len(changed) < len(uids) {
		var rest []uint32
		for _, uid := range uids {
			if _, ok := changed[uid]; !ok && !refused[uid] {
				rest = append(rest, uid)
			}
		}
		infos, err := ss.infos(nil, rest)
		if err != nil {
			return ss.fail("store", err)
		}
		unchanged = make(map[uint32]store.MessageInfo, len(infos))
		for _, info := range infos {
			if info.UID != 0 {
				unchanged[info.UID] = info
			}
		}
	}
	var modified imap.NumSet
	for _, i := range idx {
		uid := sel.uids[i]
		if refused[uid] {
			modified = addNum(modified, isUID, uint32(i+1), uid)
			continue
		}
		u, ok := changed[uid]
		if ok {
			sel.tell(uid, u.ModSeq)
		}
		if flags.Silent && !(ok && withModSeq) {
			continue
		}
		if !ok {
			info, found := unchanged[uid]
			if !found {
				continue
			}
			u = store.FlagUpdate{UID: uid, Flags: info.Flags, Keywords: info.Keywords, ModSeq: info.ModSeq}
		}
		rw := w.CreateMessage(uint32(i + 1))
		if isUID || withUID {
			rw.WriteUID(imap.UID(uid))
		}
		if !flags.Silent {
			rw.WriteFlags(imapFlags(u.Flags, u.Keywords))
		}
		if withModSeq {
			rw.WriteModSeq(u.ModSeq)
		}
		if err := rw.Close(); err != nil {
			return err
		}
	}
	if modified != nil {
		return imapserver.ModifiedError(modified)
	}
	return nil
}

// addNum adds a message to set, by UID or by sequence number, making the
// set on first use.
func addNum(set imap.NumSet, byUID bool, seq, uid uint32) imap.NumSet {
	if byUID {
		s, _ := set.(imap.UIDSet)
		s.AddNum(imap.UID(uid))
		return s
	}
	s, _ := set.(imap.SeqSet)
	s.AddNum(seq)
	return s
}

func (ss *session) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	sel := ss.sel
	if sel.readOnly {
		if uids == nil {
			// CLOSE of an EXAMINEd mailbox comes here too (imapserver
			// gives no way to tell it from EXPUNGE): expunge nothing,
			// as RFC 9051 §6.4.1 says CLOSE does then.
			return nil
		}
		return errReadOnly
	}
	var set imap.NumSet = imap.UIDSet{{Start: 1, Stop: 0}}
	if uids != nil {
		set = *uids
	}
	idx, err := sel.resolve(set)
	if err != nil {
		return err
	}
	if len(idx) == 0 {
		return nil
	}
	// Only messages the client knows: one it has not heard of yet cannot
	// be reported with a sequence number.
	removed, err := ss.srv.opts.Store.Expunge(ss.ctx, sel.mb.ID, sel.uidsOf(idx))
	if err != nil {
		return ss.fail("expunge", err)
	}
	return ss.forget(removed, w.WriteExpungeUID)
}

// forget removes the UIDs this session removed from the view, telling the
// client.
func (ss *session) forget(removed []uint32, write func(uint32, imap.UID) error) error {
	if len(removed) == 0 {
		return nil
	}
	gone := make(map[uint32]bool, len(removed))
	for _, uid := range removed {
		gone[uid] = true
		delete(ss.sel.expunged, uid)
		delete(ss.sel.flags, uid)
	}
	return ss.removeFromView(gone, write)
}

func (ss *session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	return ss.copyOrMove(nil, numSet, dest)
}

func (ss *session) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	_, err := ss.copyOrMove(w, numSet, dest)
	return err
}

// copyOrMove is COPY (w nil) or MOVE (RFC 6851).
func (ss *session) copyOrMove(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	sel := ss.sel
	idx, err := sel.resolve(numSet)
	if err != nil {
		return nil, err
	}
	name, err := mailboxName(dest)
	if err != nil {
		return nil, err
	}
	dst, err := ss.srv.opts.Store.GetMailbox(ss.account, name)
	if err != nil {
		if reply, _ := replyFor(err); reply == errNoMailbox {
			return nil, errTryCreate
		}
		return nil, ss.fail("copy", err)
	}
	if w != nil && sel.readOnly {
		return nil, errReadOnly
	}
	if len(idx) == 0 {
		if w != nil {
			return nil, w.WriteCopyData(&imap.CopyData{UIDValidity: dst.UIDValidity})
		}
		return &imap.CopyData{UIDValidity: dst.UIDValidity}, nil
	}
	uids := sel.uidsOf(idx)
	var pairs []store.UIDPair
	if w == nil {
		pairs, err = ss.srv.opts.Store.Copy(ss.ctx, sel.mb.ID, uids, dst.ID, ss.quota())
	} else {
		pairs, err = ss.srv.opts.Store.Move(ss.ctx, sel.mb.ID, uids, dst.ID)
	}
	if err != nil {
		return nil, ss.fail("copy", err)
	}
	data := &imap.CopyData{UIDValidity: dst.UIDValidity}
	for _, p := range pairs {
		data.SourceUIDs.AddNum(imap.UID(p.Src))
		data.DestUIDs.AddNum(imap.UID(p.Dst))
	}
	if w == nil {
		return data, nil
	}
	if err := w.WriteCopyData(data); err != nil {
		return nil, err
	}
	moved := make([]uint32, len(pairs))
	for i, p := range pairs {
		moved[i] = p.Src
	}
	// A move onto the selected mailbox itself gives new UIDs, which the
	// watcher brings like any other arrival.
	return nil, ss.forget(moved, w.WriteExpungeUID)
}

// quota is the account's quota as the store checks it, read afresh so
// that an administrator's change applies to open sessions.
func (ss *session) quota() store.Quota {
	if eff, err := ss.srv.opts.Directory.Effective(ss.account); err == nil {
		ss.eff = eff
	}
	return store.Quota{Bytes: ss.eff.QuotaBytes, Messages: ss.eff.QuotaMessages}
}
