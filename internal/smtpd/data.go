package smtpd

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	axmessage "github.com/axmail/axmail/internal/message"
	"github.com/axmail/axmail/internal/queue"
	"github.com/axmail/axmail/internal/store"
)

// message is a message read in full, trace headers first.
type message struct {
	id     string // the Received header's id, logged as queue_id
	body   []byte // trace headers and the message as received
	rpLen  int    // the Return-Path field at the start of body
	size   int64  // the message as received, without our trace headers
	now    time.Time
	logger *slog.Logger

	attachment    axmessage.Attachment // the largest, once scanned
	hasAttachment bool
	scanned       bool
}

// Data reads the message, stores it once for every local account of the
// transaction and queues it for the remote recipients; the 250 go-smtp
// sends when it returns nil follows the store's fsync and the queue's.
// One reply covers every recipient (SMTP), so the message is read up to
// the smallest limit of its accounts and sender.
func (ss *session) Data(r io.Reader) error {
	if ss.dropped() {
		return replyTooManyErrors
	}
	accts, remotes := ss.accounts(), ss.remotes()
	m, err := ss.read(r, ss.readLimit(accts, true))
	if err != nil {
		return err
	}
	if lim := ss.attachmentLimit(accts); lim > 0 {
		if a, ok := m.largestAttachment(); ok && a.Size > lim {
			m.logger.Info("message refused: attachment too large", "size", a.Size, "limit", lim)
			return replyAttachmentTooLarge(a.Size, lim)
		}
	}
	undo, err := ss.countSent(m)
	if err != nil {
		return err
	}
	stored, worst := 0, error(nil)
	if len(accts) > 0 {
		guid, placed, err := ss.deliver(m, accts)
		if err != nil {
			undo()
			return fail(m.logger, "delivery failed", err)
		}
		for i, p := range placed {
			if p.Err != nil {
				// The RCPT check makes this rare: a message larger
				// than the room left, or a race with another
				// delivery. Refused for every account, the client
				// retries; stored for some, the 250 covers them and
				// the log the others.
				m.logger.Warn("message not stored for account", "account", accts[i].email, "err", p.Err)
				worst = worse(worst, p.Err)
				continue
			}
			stored++
		}
		if stored > 0 {
			m.logger.Info("message delivered", "guid", guid.String(), "from", ss.from, "size", m.size, "accounts", stored)
		}
	}
	if stored == 0 && len(remotes) == 0 {
		undo()
		return fail(m.logger, "message refused", worst)
	}
	if len(remotes) > 0 {
		if err := ss.enqueue(m, remotes); err != nil {
			// Copies already stored stay: the client retries the whole
			// message, a duplicate rather than a loss.
			undo()
			return fail(m.logger, "queueing failed", err, "stored_locally", stored)
		}
	}
	return nil
}

// countSent counts the message against the authenticated account's
// hourly limit, refusing it past the limit (a race with another session
// since MAIL). undo gives the count back when the message is not taken.
func (ss *session) countSent(m *message) (undo func(), err error) {
	if ss.account == "" {
		return func() {}, nil
	}
	lim := ss.accountEff.MessagesPerHour
	if !ss.srv.sent.take(ss.account, lim, m.now) {
		m.logger.Info("message refused: hourly limit", "limit", lim)
		return nil, replyRateLimited(lim)
	}
	return func() { ss.srv.sent.giveBack(ss.account, m.now) }, nil
}

// enqueue puts m into the queue for the remote recipients, without the
// Return-Path, which belongs to final delivery (RFC 5321 §4.4).
func (ss *session) enqueue(m *message, remotes []remoteRcpt) error {
	env := queue.Envelope{
		From:    ss.from,
		Ret:     string(ss.mail.Return),
		EnvID:   ss.mail.EnvelopeID,
		Account: ss.account,
	}
	if ss.ip.IsValid() {
		env.ClientIP = ss.ip.String()
	}
	for _, r := range remotes {
		env.Recipients = append(env.Recipients, queue.Recipient{Address: r.addr, Notify: r.from.notify, ORcpt: r.from.orcpt})
	}
	qm, err := ss.srv.opts.Queue.Enqueue(ss.ctx, env, m.body[m.rpLen:])
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", m.id, err)
	}
	m.logger.Info("message queued", "queued_as", qm.ID, "from", ss.from, "size", m.size, "remote", len(remotes))
	return nil
}

// attachmentLimit is the smallest attachment limit of the accounts and
// the authenticated sender; 0 means none.
func (ss *session) attachmentLimit(accts []account) int64 {
	var lim int64
	add := func(l int64) {
		if l > 0 && (lim == 0 || l < lim) {
			lim = l
		}
	}
	for _, a := range accts {
		add(a.eff.MaxAttachmentSize)
	}
	if ss.account != "" {
		add(ss.accountEff.MaxAttachmentSize)
	}
	return lim
}

// largestAttachment scans the message once for its largest attachment.
func (m *message) largestAttachment() (axmessage.Attachment, bool) {
	if !m.scanned {
		a, ok, err := axmessage.LargestAttachment(bytes.NewReader(m.body))
		if err != nil {
			// Reading memory does not fail; a panic inside is a bug,
			// logged, and the limit is not applied.
			m.logger.Error("attachment scan failed", "err", err)
		}
		m.attachment, m.hasAttachment, m.scanned = a, ok, true
	}
	return m.attachment, m.hasAttachment
}

// LMTPData is Data with a reply per recipient (RFC 2033 §4.2): the message
// is read up to the largest limit of its accounts and each account too
// small for it, or over quota, refuses it alone.
func (ss *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	if ss.dropped() {
		return replyTooManyErrors
	}
	accts := ss.accounts()
	m, err := ss.read(r, ss.readLimit(accts, false))
	if err != nil {
		return err // go-smtp gives it to every recipient
	}
	result := make(map[string]error, len(accts))
	var targets []account
	for _, a := range accts {
		if lim := a.eff.MaxMessageSize; lim > 0 && m.size > lim {
			result[a.email] = fmt.Errorf("size %d over limit %d: %w", m.size, lim, store.ErrTooLarge)
			continue
		}
		if lim := a.eff.MaxAttachmentSize; lim > 0 {
			if at, ok := m.largestAttachment(); ok && at.Size > lim {
				result[a.email] = replyAttachmentTooLarge(at.Size, lim)
				continue
			}
		}
		targets = append(targets, a)
	}
	if len(targets) > 0 {
		guid, placed, err := ss.deliver(m, targets)
		if err != nil {
			return fail(m.logger, "delivery failed", err)
		}
		for i, p := range placed {
			result[targets[i].email] = p.Err
		}
		m.logger.Info("message delivered", "guid", guid.String(), "from", ss.from, "size", m.size, "accounts", len(targets))
	}
	var queueErr error
	if remotes := ss.remotes(); len(remotes) > 0 {
		queueErr = ss.enqueue(m, remotes)
	}
	// One status per accepted RCPT, duplicates included, as go-smtp
	// requires.
	for _, rc := range ss.rcpts {
		var worst error
		ok := len(rc.remote) > 0 && queueErr == nil
		if len(rc.remote) > 0 && queueErr != nil {
			worst = queueErr
		}
		for _, a := range rc.accounts {
			if err := result[a.email]; err != nil {
				m.logger.Info("message not stored for account", "rcpt", rc.addr, "account", a.email, "err", err)
				worst = worse(worst, err)
			} else {
				ok = true
			}
		}
		if ok {
			status.SetStatus(rc.addr, nil)
		} else {
			status.SetStatus(rc.addr, fail(m.logger, "recipient refused", worst, "rcpt", rc.addr))
		}
	}
	return nil
}

// readLimit is the most bytes of message to read for accts, 0 meaning no
// limit but the store's: the smallest of their limits (smallest) or the
// largest (any unlimited account making it unlimited), within the
// server's cap either way.
func (ss *session) readLimit(accts []account, smallest bool) int64 {
	capped := ss.srv.opts.MaxMessageSize
	if s := ss.accountEff.MaxMessageSize; ss.account != "" && s > 0 && (capped == 0 || s < capped) {
		// The authenticated sender's own limit caps what it sends.
		capped = s
	}
	var lim int64
	for i, a := range accts {
		m := a.eff.MaxMessageSize
		switch {
		case i == 0:
			lim = m
		case smallest && m > 0 && (lim == 0 || m < lim):
			lim = m
		case !smallest && (m == 0 || lim == 0):
			lim = 0
		case !smallest && m > lim:
			lim = m
		}
	}
	if capped > 0 && (lim == 0 || lim > capped) {
		lim = capped
	}
	return lim
}

// read reads the message from r behind its trace headers, failing with
// store.ErrTooLarge past limit bytes of message (0: the store's limit)
// without ever holding more than that and the headers.
func (ss *session) read(r io.Reader, limit int64) (*message, error) {
	m := &message{id: rand.Text()[:16], now: ss.srv.opts.Now()}
	m.logger = ss.log.With("queue_id", m.id)
	hdr := ss.traceHeaders(m.id, m.now)
	withHdr := limit
	if limit > 0 {
		withHdr += int64(len(hdr))
	}
	body, err := store.ReadBody(io.MultiReader(strings.NewReader(hdr), r), withHdr)
	if err != nil {
		if reply(err) != replyTooLarge {
			// The client went away or reset mid-message: nothing was
			// stored, and the client, if still there, retries.
			return nil, fail(m.logger, "message transfer aborted", fmt.Errorf("%w: %w", errAborted, err))
		}
		return nil, fail(m.logger, "message refused", err, "limit", limit)
	}
	if readFailed(ss.conn.Conn()) {
		return nil, fail(m.logger, "message transfer aborted", fmt.Errorf("%w: connection failed during the transfer", errAborted))
	}
	m.body, m.size = body, int64(len(body)-len(hdr))
	m.rpLen = strings.Index(hdr, "\r\n") + 2
	return m, nil
}

// deliver stores m once for accts, each into its INBOX within its quota.
func (ss *session) deliver(m *message, accts []account) (store.GUID, []store.Placed, error) {
	targets := make([]store.Target, len(accts))
	for i, a := range accts {
		targets[i] = store.Target{
			Account: a.email,
			Quota:   store.Quota{Bytes: a.eff.QuotaBytes, Messages: a.eff.QuotaMessages},
		}
	}
	guid, placed, err := ss.srv.opts.Store.Deliver(ss.ctx, m.body, store.Delivery{Targets: targets, InternalDate: m.now})
	if err != nil {
		return guid, nil, fmt.Errorf("deliver %s: %w", m.id, err)
	}
	if len(placed) != len(targets) {
		return guid, nil, errors.New("store: deliver: placements do not match targets")
	}
	return guid, placed, nil
}
