package imapd

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/axmail/axmail/internal/message"
	"github.com/axmail/axmail/internal/store"
)

// Search answers SEARCH and UID SEARCH (RFC 9051 §6.4.4) with imapserver's
// parsed criteria. Flags, dates, sizes and numbers come from the index;
// header keys read a message's header block only; BODY and TEXT stream
// each text part, transfer-decoded, through a case-insensitive matcher.
// Messages are read only when the cheaper keys have not decided. With a
// MODSEQ key (RFC 7162 §3.1.5) the reply carries the highest MODSEQ of
// the messages found; its metadata entry name is ignored, since flags are
// the only metadata with mod-sequences here.
func (ss *session) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	sel := ss.sel
	withModSeq := usesModSeq(criteria)
	var seqs imap.SeqSet
	var uids imap.UIDSet
	data := &imap.SearchData{}
	idx := make([]int, len(sel.uids))
	for i := range idx {
		idx[i] = i
	}
	var infos []store.MessageInfo
	for len(idx) > 0 {
		chunk := idx[:min(fetchChunk, len(idx))]
		idx = idx[len(chunk):]
		var err error
		infos, err = ss.infos(infos, sel.uidsOf(chunk))
		if err != nil {
			return nil, ss.fail("search", err)
		}
		for k, i := range chunk {
			info := infos[k]
			if info.UID == 0 {
				continue // expunged meanwhile
			}
			m := &candidate{ss: ss, seq: uint32(i + 1), info: info}
			if !m.match(criteria) {
				continue
			}
			num := m.seq
			if kind == imapserver.NumKindUID {
				num = info.UID
			}
			if data.Count == 0 || num < data.Min {
				data.Min = num
			}
			if num > data.Max {
				data.Max = num
			}
			data.Count++
			if withModSeq {
				data.ModSeq = max(data.ModSeq, info.ModSeq)
			}
			seqs.AddNum(m.seq)
			uids.AddNum(imap.UID(info.UID))
		}
	}
	if kind == imapserver.NumKindUID {
		data.All = uids
	} else {
		data.All = seqs
	}
	if options != nil && options.ReturnSave {
		sel.saved = sel.saved[:0]
		if all, ok := uids.Nums(); ok {
			for _, u := range all {
				sel.saved = append(sel.saved, uint32(u))
			}
		}
	}
	return data, nil
}

// usesModSeq reports whether the MODSEQ key appears anywhere in c.
func usesModSeq(c *imap.SearchCriteria) bool {
	if c.ModSeq != nil {
		return true
	}
	for i := range c.Not {
		if usesModSeq(&c.Not[i]) {
			return true
		}
	}
	for i := range c.Or {
		if usesModSeq(&c.Or[i][0]) || usesModSeq(&c.Or[i][1]) {
			return true
		}
	}
	return false
}

// candidate is one message being matched; its header is read at most
// once, when a key needs it.
type candidate struct {
	ss        *session
	seq       uint32
	info      store.MessageInfo
	hdr       *mail.Header
	hdrErr    bool
	bodyStart int64
}

func (m *candidate) match(c *imap.SearchCriteria) bool {
	sel := m.ss.sel
	for _, s := range c.SeqNum {
		if !inRanges(m.seq, uint32(len(sel.uids)), seqRanges(s)) {
			return false
		}
	}
	for _, s := range c.UID {
		if imap.IsSearchRes(s) {
			if _, found := slices.BinarySearch(sel.saved, m.info.UID); !found {
				return false
			}
			continue
		}
		if !inRanges(m.info.UID, sel.lastUID(), uidRanges(s)) {
			return false
		}
	}
	if !matchDate(m.info.InternalDate, c.Since, c.Before) {
		return false
	}
	for _, f := range c.Flag {
		if !hasFlag(m.info.Flags, m.info.Keywords, f) {
			return false
		}
	}
	for _, f := range c.NotFlag {
		if hasFlag(m.info.Flags, m.info.Keywords, f) {
			return false
		}
	}
	if c.ModSeq != nil && m.info.ModSeq < c.ModSeq.ModSeq {
		return false
	}
	if c.Larger != 0 && m.info.Size <= c.Larger {
		return false
	}
	if c.Smaller != 0 && m.info.Size >= c.Smaller {
		return false
	}
	for _, n := range c.Not {
		if m.match(&n) {
			return false
		}
	}
	for _, or := range c.Or {
		if !m.match(&or[0]) && !m.match(&or[1]) {
			return false
		}
	}
	if len(c.Header) > 0 || !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
		h := m.header()
		if h == nil {
			return false
		}
		for _, f := range c.Header {
			if !matchHeaderFields(h.FieldsByKey(f.Key), f.Value) {
				return false
			}
		}
		if !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
			t, err := h.Date()
			if err != nil || !matchDate(t, c.SentSince, c.SentBefore) {
				return false
			}
		}
	}
	for _, s := range c.Text {
		if !m.contains(s, true) {
			return false
		}
	}
	for _, s := range c.Body {
		if !m.contains(s, false) {
			return false
		}
	}
	return true
}

// header reads and parses the message's header block, nil if it cannot.
func (m *candidate) header() *mail.Header {
	if m.hdr != nil || m.hdrErr {
		return m.hdr
	}
	m.hdrErr = true
	r, err := m.ss.srv.opts.Store.OpenMessage(m.info.GUID)
	if err != nil {
		return nil
	}
	defer r.Close()
	e, err := readEntity(r, 0, r.Size(), "text/plain")
	if err != nil {
		return nil
	}
	n := min(e.bodyStart, maxHeaderParse)
	b := make([]byte, n)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return nil
	}
	// Lines go-message would stop at (an mbox "From " line) are dropped,
	// as for BODYSTRUCTURE.
	b = append(slices.Clip(message.CleanHeader(b)), '\r', '\n')
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		return nil
	}
	m.hdr, m.hdrErr = &mail.Header{Header: gomessage.Header{Header: h}}, false
	m.bodyStart = e.bodyStart
	return m.hdr
}

// contains streams the message's text parts (and, for TEXT, its header
// fields) looking for s, case-insensitively.
func (m *candidate) contains(s string, withHeader bool) bool {
	if s == "" {
		return true
	}
	pat := bytes.ToLower([]byte(s))
	if withHeader {
		if h := m.header(); h != nil && matchHeaderFields(h.Fields(), s) {
			return true
		}
	}
	h := m.header()
	if h == nil {
		return false
	}
	r, err := m.ss.srv.opts.Store.OpenMessage(m.info.GUID)
	if err != nil {
		return false
	}
	defer r.Close()
	body := bufio.NewReader(io.NewSectionReader(r, m.bodyStart, r.Size()-m.bodyStart))
	e, err := gomessage.New(h.Header, body)
	if e == nil {
		return false
	}
	_ = err // an unknown charset still gives the entity: search its bytes
	return entityContains(e, pat, withHeader, 0)
}

func entityContains(e *gomessage.Entity, pat []byte, withHeader bool, depth int) bool {
	if depth > maxPartDepth {
		return false
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if p == nil || (err != nil && !gomessage.IsUnknownCharset(err) && !gomessage.IsUnknownEncoding(err)) {
				return false
			}
			if withHeader && matchHeaderFields(p.Header.Fields(), string(pat)) {
				return true
			}
			if entityContains(p, pat, withHeader, depth+1) {
				return true
			}
		}
	}
	t, _, _ := e.Header.ContentType()
	if t != "" && !strings.HasPrefix(t, "text/") && !strings.HasPrefix(t, "message/") {
		return false
	}
	return readerContains(e.Body, pat)
}

// readerContains reports whether r holds pat (lower case), comparing
// lower-cased text; it keeps only one buffer and the pattern's length of
// overlap.
func readerContains(r io.Reader, pat []byte) bool {
	buf := make([]byte, 32<<10+len(pat))
	keep := 0
	for {
		n, err := r.Read(buf[keep:])
		win := buf[:keep+n]
		if bytes.Contains(bytes.ToLower(win), pat) {
			return true
		}
		if err != nil {
			return false
		}
		keep = min(len(pat), len(win))
		copy(buf, win[len(win)-keep:])
	}
}

func matchHeaderFields(fields gomessage.HeaderFields, pattern string) bool {
	if pattern == "" {
		return fields.Len() > 0
	}
	pattern = strings.ToLower(pattern)
	for fields.Next() {
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		if strings.Contains(strings.ToLower(v), pattern) {
			return true
		}
	}
	return false
}

// matchDate compares dates only: RFC 9051 §6.4.4 disregards time and
// timezone.
func matchDate(t, since, before time.Time) bool {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if !since.IsZero() && d.Before(time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, time.UTC)) {
		return false
	}
	if !before.IsZero() && !d.Before(time.Date(before.Year(), before.Month(), before.Day(), 0, 0, 0, 0, time.UTC)) {
		return false
	}
	return true
}

type numRange struct{ start, stop uint32 }

func seqRanges(s imap.SeqSet) []numRange {
	out := make([]numRange, len(s))
	for i, r := range s {
		out[i] = numRange{r.Start, r.Stop}
	}
	return out
}

func uidRanges(s imap.UIDSet) []numRange {
	out := make([]numRange, len(s))
	for i, r := range s {
		out[i] = numRange{uint32(r.Start), uint32(r.Stop)}
	}
	return out
}

// inRanges reports whether n is in one of the ranges, "*" being largest.
func inRanges(n, largest uint32, rs []numRange) bool {
	for _, r := range rs {
		a, b := star(r.start, largest), star(r.stop, largest)
		if a > b {
			a, b = b, a
		}
		if a <= n && n <= b {
			return true
		}
	}
	return false
}
