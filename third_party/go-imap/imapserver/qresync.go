package imapserver

import (
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal/imapwire"
)

// This file holds QRESYNC (RFC 7162 section 3.2): VANISHED in place of
// EXPUNGE once the client enabled it, and the QRESYNC SELECT parameter.

func (c *Conn) qresyncEnabled() bool {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	return c.enabled.Has(imap.CapQResync)
}

// writeVanished writes a VANISHED response (RFC 7162 section 3.2.10); with
// earlier, it reports messages expunged before and leaves the message
// count alone.
func (c *Conn) writeVanished(uids imap.UIDSet, earlier bool) error {
	enc := newResponseEncoder(c)
	defer enc.end()
	enc.Atom("*").SP().Atom("VANISHED").SP()
	if earlier {
		enc.Special('(').Atom("EARLIER").Special(')').SP()
	}
	enc.NumSet(uids)
	return enc.CRLF()
}

// writeExpungeUID reports an expunged message: VANISHED with its UID once
// QRESYNC is enabled, EXPUNGE with its sequence number before.
func (c *Conn) writeExpungeUID(seqNum uint32, uid imap.UID) error {
	if uid != 0 && c.qresyncEnabled() {
		return c.writeVanished(imap.UIDSetNum(uid), false)
	}
	return c.writeExpunge(seqNum)
}

// WriteExpungeUID reports that the message with the provided sequence
// number and UID has been deleted: as VANISHED once QRESYNC is enabled,
// else as EXPUNGE.
func (w *ExpungeWriter) WriteExpungeUID(seqNum uint32, uid imap.UID) error {
	if w.conn == nil {
		return nil
	}
	return w.conn.writeExpungeUID(seqNum, uid)
}

// WriteExpungeUID writes EXPUNGE, or VANISHED once QRESYNC is enabled, for
// a MOVE command.
func (w *MoveWriter) WriteExpungeUID(seqNum uint32, uid imap.UID) error {
	return w.conn.writeExpungeUID(seqNum, uid)
}

// WriteExpungeUID writes EXPUNGE, or VANISHED once QRESYNC is enabled.
func (w *UpdateWriter) WriteExpungeUID(seqNum uint32, uid imap.UID) error {
	if !w.allowExpunge {
		return w.WriteExpunge(seqNum) // the same refusal
	}
	return w.conn.writeExpungeUID(seqNum, uid)
}

// WriteVanishedEarlier writes VANISHED (EARLIER) for a FETCH with the
// VANISHED modifier; it must come before the FETCH responses.
func (w *FetchWriter) WriteVanishedEarlier(uids imap.UIDSet) error {
	if len(uids) == 0 {
		return nil
	}
	return w.conn.writeVanished(uids, true)
}

// readSelectQResync reads the QRESYNC SELECT parameter after its name:
// "(" uidvalidity SP mod-sequence [SP known-uids] [SP seq-match-data] ")".
func readSelectQResync(dec *imapwire.Decoder) (*imap.SelectQResyncParams, error) {
	var params imap.SelectQResyncParams
	if !dec.ExpectSP() || !dec.ExpectSpecial('(') || !dec.ExpectNumber(&params.UIDValidity) || !dec.ExpectSP() || !dec.ExpectModSeq(&params.ModSeq) {
		return nil, dec.Err()
	}
	if params.UIDValidity == 0 || params.ModSeq == 0 {
		return nil, newClientBugError("QRESYNC needs a non-zero UIDVALIDITY and mod-sequence")
	}
	if dec.SP() {
		if !dec.Special('(') {
			if !dec.ExpectUIDSet(&params.KnownUIDs) {
				return nil, dec.Err()
			}
			if params.KnownUIDs.Dynamic() {
				return nil, newClientBugError("QRESYNC known UIDs cannot use *")
			}
			if !dec.SP() {
				return &params, expectQResyncEnd(dec)
			}
			if !dec.ExpectSpecial('(') {
				return nil, dec.Err()
			}
		}
		// seq-match-data: "(" known-sequence-set SP known-uid-set ")"
		var seqs imap.NumSet
		if !dec.ExpectNumSet(imapwire.NumKindSeq, &seqs) || !dec.ExpectSP() || !dec.ExpectUIDSet(&params.SeqMatchUIDs) || !dec.ExpectSpecial(')') {
			return nil, dec.Err()
		}
		seqSet, ok := seqs.(imap.SeqSet) // not "$"
		params.SeqMatchSeqs = seqSet
		if !ok || seqSet.Dynamic() || params.SeqMatchUIDs.Dynamic() {
			return nil, newClientBugError("QRESYNC sequence match data cannot use *")
		}
	}
	return &params, expectQResyncEnd(dec)
}

func expectQResyncEnd(dec *imapwire.Decoder) error {
	if !dec.ExpectSpecial(')') {
		return dec.Err()
	}
	return nil
}
