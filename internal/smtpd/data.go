package smtpd

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/axmail/axmail/internal/store"
)

// message is a message read in full, trace headers first.
type message struct {
	id     string // the Received header's id, logged as queue_id
	body   []byte // trace headers and the message as received
	size   int64  // the message as received, without our trace headers
	now    time.Time
	logger *slog.Logger
}

// Data reads the message and stores it once for every account of the
// transaction; the 250 go-smtp sends when it returns nil follows the
// store's fsync. One reply covers every recipient (SMTP), so the message
// is read up to the smallest limit of its accounts.
func (ss *session) Data(r io.Reader) error {
	accts := ss.accounts()
	m, err := ss.read(r, ss.readLimit(accts, true))
	if err != nil {
		return err
	}
	guid, placed, err := ss.deliver(m, accts)
	if err != nil {
		return fail(m.logger, "delivery failed", err)
	}
	var stored int
	var worst error
	for i, p := range placed {
		if p.Err != nil {
			// The RCPT check makes this rare: a message larger than
			// the room left, or a race with another delivery. Refused
			// for every account, the client retries; stored for some,
			// the 250 covers them and the log the others.
			m.logger.Warn("message not stored for account", "account", accts[i].email, "err", p.Err)
			worst = worse(worst, p.Err)
			continue
		}
		stored++
	}
	if stored == 0 {
		return fail(m.logger, "message refused", worst)
	}
	m.logger.Info("message delivered", "guid", guid.String(), "from", ss.from, "size", m.size, "accounts", stored)
	return nil
}

// LMTPData is Data with a reply per recipient (RFC 2033 §4.2): the message
// is read up to the largest limit of its accounts and each account too
// small for it, or over quota, refuses it alone.
func (ss *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
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
	// One status per accepted RCPT, duplicates included, as go-smtp
	// requires.
	for _, rc := range ss.rcpts {
		var worst error
		ok := false
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
