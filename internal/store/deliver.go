package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// Target is one (account, mailbox) that a delivery stores to.
type Target struct {
	Account  string
	Mailbox  string // "" means INBOX
	Flags    Flags
	Keywords []string
	// Create makes the mailbox if it is missing; INBOX always is.
	Create bool
	// Quota is checked against the account's usage in the same transaction
	// that stores the message.
	Quota Quota
}

// Delivery describes one message stored to one or more targets.
type Delivery struct {
	Targets []Target
	// InternalDate is the IMAP internal date; zero means now.
	InternalDate time.Time
}

// Placed is the outcome of a delivery for one target.
type Placed struct {
	Mailbox     MailboxID
	UIDValidity uint32
	UID         uint32
	// Err is nil when the message was stored for this target, else a
	// permanent error such as ErrOverQuota or ErrNoMailbox.
	Err error
}

// appendReq is one delivery waiting for the committer.
type appendReq struct {
	guid GUID
	// head and body are the record: header and meta, then the message.
	head, body []byte
	metaLen    uint32
	bodyLen    uint32
	summary    []byte
	d          Delivery
	done       chan appendResult
}

type appendResult struct {
	placed []Placed
	err    error
}

// Deliver stores body once and places it in every target, sharing the
// bytes. It returns only after the bytes and the commit record naming
// their UIDs are fdatasynced in the active container, the log that the
// index is replayed from after a crash (doc.go, Durability). A
// non-nil error means nothing was stored (and is temporary unless
// IsPermanent says otherwise); a target that could not take the message has
// its own Err.
func (s *Store) Deliver(ctx context.Context, body []byte, d Delivery) (GUID, []Placed, error) {
	if len(d.Targets) == 0 {
		return GUID{}, nil, fmt.Errorf("store: deliver: no targets")
	}
	if int64(len(body)) > maxBodyLen {
		return GUID{}, nil, ErrTooLarge
	}
	if err := ctxErr(ctx); err != nil {
		return GUID{}, nil, err
	}
	s.delivering.Add(1)
	defer s.delivering.Add(-1)
	if d.InternalDate.IsZero() {
		d.InternalDate = s.opts.Now()
	}
	targets := make([]Target, len(d.Targets))
	for i, t := range d.Targets {
		if t.Mailbox == "" {
			t.Mailbox = Inbox
		}
		name, err := CanonicalName(t.Mailbox)
		if err != nil {
			return GUID{}, nil, err
		}
		t.Mailbox = name
		t.Flags &= flagsKnown
		targets[i] = t
	}
	d.Targets = targets

	var summary []byte
	if s.opts.Summarize != nil {
		var err error
		summary, err = s.opts.Summarize(bytes.NewReader(body))
		if err != nil {
			s.log.Warn("message summary failed", "err", err)
			summary = nil
		}
	}
	guid, err := s.newGUID()
	if err != nil {
		return GUID{}, nil, &TemporaryError{err}
	}
	head, metaLen := messageHead(guid, d, body, nil)
	req := &appendReq{
		guid: guid, head: head, body: body,
		metaLen: metaLen, bodyLen: uint32(len(body)), summary: summary, d: d,
		done: make(chan appendResult, 1),
	}
	select {
	case s.appends <- req:
	case <-ctx.Done():
		return GUID{}, nil, ctx.Err()
	case <-s.stop:
		return GUID{}, nil, ErrClosed
	}
	// Once queued the request cannot be withdrawn: wait for its outcome
	// whatever ctx says, so that a caller never misses an acknowledgement.
	// A committer that has exited (Close) answers nothing more: a request
	// it never took was not stored.
	select {
	case res := <-req.done:
		return guid, res.placed, res.err
	case <-s.committed:
		select {
		case res := <-req.done:
			return guid, res.placed, res.err
		default:
			return GUID{}, nil, ErrClosed
		}
	}
}

// messageHead encodes the header and meta of a delivery's record: its
// date and the targets for which keep is true (all when keep is nil).
func messageHead(guid GUID, d Delivery, body []byte, keep func(int) bool) (head []byte, metaLen uint32) {
	_, tz := d.InternalDate.Zone()
	meta := &RecordMeta{InternalDate: d.InternalDate.Unix(), TZOffset: int32(tz)}
	for i, t := range d.Targets {
		if keep == nil || keep(i) {
			meta.Placements = append(meta.Placements, Placement{Account: t.Account, Mailbox: t.Mailbox, Flags: t.Flags, Keywords: t.Keywords})
		}
	}
	mb := encodeMeta(meta)
	return encodeRecordHead(KindMessage, guid, mb, body), uint32(len(mb))
}

// newGUID returns a GUID whose first 8 bytes grow with time and the rest
// are random: unique like a random one, but index inserts land at the end
// of the blobs bucket instead of dirtying a random page each.
func (s *Store) newGUID() (GUID, error) {
	var g GUID
	now := uint64(s.opts.Now().UnixNano())
	for {
		last := s.lastGUIDTime.Load()
		next := max(now, last+1)
		if s.lastGUIDTime.CompareAndSwap(last, next) {
			binary.BigEndian.PutUint64(g[:8], next)
			break
		}
	}
	_, err := rand.Read(g[8:])
	return g, err
}

// ReadBody reads a message from r, failing with ErrTooLarge past max bytes
// (0 means the store's own limit) without buffering more than max+1.
func ReadBody(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 || max > maxBodyLen {
		max = maxBodyLen
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// Append stores one message into one mailbox, as IMAP APPEND does.
func (s *Store) Append(ctx context.Context, account, mailbox string, body []byte, flags Flags, keywords []string, date time.Time, quota Quota) (Placed, error) {
	_, placed, err := s.Deliver(ctx, body, Delivery{
		Targets:      []Target{{Account: account, Mailbox: mailbox, Flags: flags, Keywords: keywords, Quota: quota}},
		InternalDate: date,
	})
	if err != nil {
		return Placed{}, err
	}
	return placed[0], placed[0].Err
}

// size is the record's length.
func (r *appendReq) size() int64 { return int64(len(r.head)) + int64(len(r.body)) }
