package imapd

import (
	"io"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/axmail/axmail/internal/message"
	"github.com/axmail/axmail/internal/store"
)

// fetchChunk is how many messages one read of the index covers.
const fetchChunk = 256

// Fetch answers FETCH (RFC 9051 §6.4.5). Flags, dates and sizes come from
// the index (UID, FLAGS and MODSEQ alone, over a large part of the
// mailbox, from the store's hot cache in one call: fetchcache.go),
// ENVELOPE and BODYSTRUCTURE from the summary cached with each message; body sections are located by scanning the message's header
// blocks and boundaries and streamed from its container, never held
// whole; BINARY sections are decoded twice as they stream, once to count
// and once to send. A body or binary section without PEEK sets \Seen
// first, and FLAGS then comes with the response. CHANGEDSINCE (RFC 7162
// §3.1.4.1) leaves out the messages whose MODSEQ is not above it; once
// CONDSTORE is enabled, MODSEQ comes with every FLAGS.
func (ss *session) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	sel := ss.sel
	withModSeq := options.ModSeq || ss.condStore()
	idx, err := sel.resolve(numSet)
	if err != nil {
		return err
	}
	if uids, ok := numSet.(imap.UIDSet); ok && options.Vanished && ss.expungedSince(options.ChangedSince) {
		// imapserver allows VANISHED only in UID FETCH (RFC 7162 §3.2.6).
		if err := w.WriteVanishedEarlier(sel.vanished(uids)); err != nil {
			return err
		}
	}
	if ss.qresync() {
		options.UID = true // RFC 7162 §3.2.10: FETCH carries UID then
	}
	if len(idx) == 0 {
		return nil
	}
	seen := make(map[uint32]bool)
	if !sel.readOnly && setsSeen(options) {
		updated, _, err := ss.srv.opts.Store.StoreFlags(ss.ctx, sel.mb.ID, sel.uidsOf(idx), store.FlagsAdd, store.FlagSeen, nil, 0)
		if err != nil {
			return ss.fail("fetch", err)
		}
		for _, u := range updated {
			seen[u.UID] = true
		}
	}
	// Items the hot cache holds are read for the whole mailbox in one
	// call when the set covers enough of it; otherwise, and for the other
	// items, from the index a chunk at a time.
	var states []store.MessageState
	cached := cacheFetch(options, len(idx), len(sel.uids))
	if cached {
		if states, err = ss.srv.opts.Store.States(sel.mb.ID); err != nil {
			return ss.fail("fetch", err)
		}
	}
	missing := false
	var infos []store.MessageInfo
	uids := make([]uint32, 0, min(fetchChunk, len(idx)))
	for len(idx) > 0 {
		chunk := idx[:min(fetchChunk, len(idx))]
		idx = idx[len(chunk):]
		uids = uids[:0]
		for _, i := range chunk {
			uids = append(uids, sel.uids[i])
		}
		if cached {
			infos, states = cachedInfos(infos, uids, states)
		} else if infos, err = ss.infos(infos, uids); err != nil {
			return ss.fail("fetch", err)
		}
		for k, i := range chunk {
			uid := sel.uids[i]
			info := infos[k]
			if info.UID == 0 {
				missing = true // expunged by another session, not yet told
				continue
			}
			if info.ModSeq <= options.ChangedSince {
				continue
			}
			if options.Flags || seen[uid] {
				sel.tell(uid, info.ModSeq) // the client is told the flags now
			}
			if err := ss.fetchOne(w, uint32(i+1), info, options, seen[uid], withModSeq); err != nil {
				return err
			}
		}
	}
	if missing {
		return &imap.Error{Type: imap.StatusResponseTypeOK, Code: codeExpungeIssued, Text: "Some messages were expunged meanwhile"}
	}
	return nil
}

func setsSeen(o *imap.FetchOptions) bool {
	for _, s := range o.BodySection {
		if !s.Peek {
			return true
		}
	}
	for _, s := range o.BinarySection {
		if !s.Peek {
			return true
		}
	}
	return false
}

// infos reads what the index knows of the given UIDs (ascending) into
// dst (reused when large enough): out[k] is uids[k]'s, with UID 0 for one
// the index no longer has. One range scan when the UIDs are dense, else
// one lookup each.
func (ss *session) infos(dst []store.MessageInfo, uids []uint32) ([]store.MessageInfo, error) {
	out := dst[:0]
	if cap(out) < len(uids) {
		out = make([]store.MessageInfo, 0, len(uids))
	}
	out = out[:len(uids)]
	clear(out)
	if len(uids) == 0 {
		return out, nil
	}
	first, last := uids[0], uids[len(uids)-1]
	if int64(last-first) < 4*int64(len(uids)) {
		k := 0
		err := ss.srv.opts.Store.Messages(ss.sel.mb.ID, first, last, func(mi store.MessageInfo) error {
			for k < len(uids) && uids[k] < mi.UID {
				k++
			}
			if k < len(uids) && uids[k] == mi.UID {
				out[k] = mi
				k++
			}
			return nil
		})
		return out, err
	}
	for k, u := range uids {
		mi, err := ss.srv.opts.Store.Message(ss.sel.mb.ID, u)
		if err == nil {
			out[k] = mi
		} else if reply, _ := replyFor(err); reply.Code != codeExpungeIssued {
			return nil, err
		}
	}
	return out, nil
}

// preparedSection is a body section ready to write: its segments after
// the partial range, and their length.
type preparedSection struct {
	item *imap.FetchItemBodySection
	segs []segment
	size int64
}

// preparedBinary is a BINARY section ready to write: where its decoded
// bytes start and how many there are.
type preparedBinary struct {
	item       *imap.FetchItemBinarySection
	open       func() io.Reader
	from, size int64
}

// condStore reports whether CONDSTORE is enabled in the session (RFC 7162
// §3.1): imapserver records ENABLE and the commands that enable it.
func (ss *session) condStore() bool {
	return ss.conn.EnabledCaps().Has(imap.CapCondStore)
}

// expungedSince reports whether the selected mailbox may have lost
// messages since modSeq: every expunge raises its HIGHESTMODSEQ, so none
// did if it is not above modSeq.
func (ss *session) expungedSince(modSeq uint64) bool {
	mb, err := ss.srv.opts.Store.MailboxByID(ss.sel.mb.ID)
	return err != nil || mb.HighestModSeq > modSeq
}

// qresync reports whether the client enabled QRESYNC (RFC 7162 §3.2.3).
func (ss *session) qresync() bool {
	return ss.conn.EnabledCaps().Has(imap.CapQResync)
}

// fetchOne writes the FETCH response of one message. Everything that may
// fail is done before the response starts, so that an error never leaves
// half a response on the wire.
func (ss *session) fetchOne(w *imapserver.FetchWriter, seq uint32, info store.MessageInfo, o *imap.FetchOptions, seenSet, withModSeq bool) error {
	var sum *message.Summary
	if o.Envelope || o.BodyStructure != nil {
		var err error
		if sum, err = ss.summary(info.GUID); err != nil {
			return ss.fail("fetch", err)
		}
	}
	var mr *store.MessageReader
	var sections []preparedSection
	var binaries []preparedBinary
	var binarySizes []int64
	if len(o.BodySection) > 0 || len(o.BinarySection) > 0 || len(o.BinarySectionSize) > 0 {
		var err error
		if mr, err = ss.srv.opts.Store.OpenMessage(info.GUID); err != nil {
			return ss.fail("fetch", err)
		}
		defer mr.Close()
		for _, item := range o.BodySection {
			segs, err := sectionPlan(mr, mr.Size(), item)
			if err != nil {
				return ss.fail("fetch", err)
			}
			segs, size := applyPartial(segs, item.Partial)
			sections = append(sections, preparedSection{item, segs, size})
		}
		for _, item := range o.BinarySection {
			open, ok, err := binarySource(mr, mr.Size(), item.Part)
			if err != nil {
				return ss.fail("fetch", err)
			}
			b := preparedBinary{item: item, open: open}
			if ok {
				total := binaryLen(open)
				b.size = total
				if p := item.Partial; p != nil {
					b.from = min(p.Offset, total)
					b.size = min(b.from+p.Size, total) - b.from
				}
			}
			binaries = append(binaries, b)
		}
		for _, item := range o.BinarySectionSize {
			open, ok, err := binarySource(mr, mr.Size(), item.Part)
			if err != nil {
				return ss.fail("fetch", err)
			}
			var n int64
			if ok {
				n = binaryLen(open)
			}
			binarySizes = append(binarySizes, n)
		}
	}

	rw := w.CreateMessage(seq)
	if o.UID {
		rw.WriteUID(imap.UID(info.UID))
	}
	if o.Flags || seenSet {
		rw.WriteFlags(fetchFlags(info.Flags, info.Keywords))
	}
	if o.ModSeq || (withModSeq && (o.Flags || seenSet)) {
		rw.WriteModSeq(info.ModSeq)
	}
	if o.InternalDate {
		rw.WriteInternalDate(info.InternalDate)
	}
	if o.RFC822Size {
		rw.WriteRFC822Size(info.Size)
	}
	if o.Envelope {
		rw.WriteEnvelope(sum.Envelope)
	}
	if o.BodyStructure != nil {
		rw.WriteBodyStructure(sum.BodyStructure)
	}
	for _, s := range sections {
		lw := rw.WriteBodySection(s.item, s.size)
		if err := ss.writeSegments(lw, mr, s); err != nil {
			lw.Close()
			rw.Close()
			return err
		}
		if err := lw.Close(); err != nil {
			rw.Close()
			return err
		}
	}
	for _, b := range binaries {
		lw := rw.WriteBinarySection(b.item, b.size)
		if err := ss.writeBinary(lw, b); err != nil {
			lw.Close()
			rw.Close()
			return err
		}
		if err := lw.Close(); err != nil {
			rw.Close()
			return err
		}
	}
	for i, item := range o.BinarySectionSize {
		rw.WriteBinarySectionSize(item, uint32(min(binarySizes[i], int64(^uint32(0)))))
	}
	return rw.Close()
}

// writeBinary streams a decoded section; a second decoding that comes out
// short (the container failed to read) is padded, as writeSegments does.
func (ss *session) writeBinary(lw io.Writer, b preparedBinary) error {
	if b.open == nil || b.size == 0 {
		return nil
	}
	src := b.open()
	if _, err := io.CopyN(io.Discard, src, b.from); err != nil {
		ss.log.Error("fetch: message unreadable", "err", err)
		_, werr := io.Copy(lw, io.LimitReader(spaces{}, b.size))
		return werr
	}
	cw := &countWriter{w: lw}
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	_, err := io.CopyBuffer(cw, io.LimitReader(src, b.size), *buf)
	if err == nil && cw.n < b.size {
		err = io.ErrUnexpectedEOF // as io.CopyN says of a short source
	}
	if err != nil {
		if cw.err != nil {
			return cw.err
		}
		ss.log.Error("fetch: message unreadable", "err", err)
		_, werr := io.Copy(lw, io.LimitReader(spaces{}, b.size-cw.n))
		return werr
	}
	return nil
}

// writeSegments streams a section from the container. A read failure
// after the literal's size was announced is padded with spaces, so the
// framing of the session survives, and logged.
func (ss *session) writeSegments(lw io.Writer, mr *store.MessageReader, s preparedSection) error {
	cw := &countWriter{w: lw}
	var buf *[]byte
	defer func() {
		if buf != nil {
			copyBuffers.Put(buf)
		}
	}()
	for _, seg := range s.segs {
		var err error
		if seg.data != nil {
			_, err = cw.Write(seg.data)
		} else {
			if buf == nil {
				buf = copyBuffers.Get().(*[]byte)
			}
			_, err = io.CopyBuffer(cw, io.NewSectionReader(mr, seg.off, seg.n), *buf)
		}
		if err != nil {
			if cw.err != nil {
				return cw.err // the client is gone
			}
			ss.log.Error("fetch: message unreadable", "err", err)
			_, werr := io.Copy(lw, io.LimitReader(spaces{}, s.size-cw.n))
			return werr
		}
	}
	return nil
}

// copyBuffers hold the buffers that stream sections from the containers
// to the client: io.Copy would allocate 32 KiB per message.
var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 32<<10)
	return &b
}}

// countWriter counts what reaches the client and keeps its write error,
// to tell it from a read error of the message.
type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}

type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// summary returns a message's ENVELOPE and BODYSTRUCTURE: the cached
// summary, or one computed now by streaming the message when the store
// has none.
func (ss *session) summary(g store.GUID) (*message.Summary, error) {
	b, err := ss.srv.opts.Store.Summary(g)
	if err != nil {
		return nil, err
	}
	if b != nil {
		if s, err := message.UnmarshalSummary(b); err == nil {
			return s, nil
		}
		ss.log.Warn("fetch: cached summary unreadable", "guid", g.String())
	}
	r, err := ss.srv.opts.Store.OpenMessage(g)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return message.Summarize(r)
}
