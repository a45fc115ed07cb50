package smtpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/emersion/go-smtp"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/store"
)

// Replies the server sends of its own accord. Their texts are generic on
// purpose: the client learns the class of the failure, the log the detail.
var (
	replyRelayDenied  = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "relaying denied"}
	replyNoUser       = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	replyDisabled     = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 2, 1}, Message: "mailbox disabled"}
	replyBadRcpt      = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "bad recipient address syntax"}
	replyBadSender    = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 7}, Message: "bad sender address syntax"}
	replyOverQuota    = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
	replyTooLarge     = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "message too large"}
	replyRemote       = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "remote delivery not available"}
	replyTemporary    = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}
	replyShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "service shutting down"}
	replyPermanent    = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 3, 0}, Message: "message refused"}

	replyAuthRequired         = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	replySenderNotOwned       = &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender address not owned by the authenticated account"}
	replyEncryptionRequired   = &smtp.SMTPError{Code: 538, EnhancedCode: smtp.EnhancedCode{5, 7, 11}, Message: "encryption required for authentication"}
	replyAlreadyAuthenticated = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "already authenticated"}
	replyAuthFailed           = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
	replyAuthTemporary        = &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "temporary authentication failure"}
	replySASLMalformed        = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "malformed authentication data"}
	replyTooManyErrors        = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many errors, closing connection"}
)

// replyRateLimited refuses a message over the sender's messages per hour.
func replyRateLimited(limit int64) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
		Message: fmt.Sprintf("sending limit of %d messages per hour reached, try again later", limit)}
}

// replyAttachmentTooLarge refuses a message with an attachment over the
// limit, naming the sizes so that the sender knows what to change.
func replyAttachmentTooLarge(size, limit int64) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: fmt.Sprintf("attachment too large: %d bytes, limit %d bytes", size, limit)}
}

// errBadSender refuses a reverse-path that could not be written into a
// Return-Path header as is.
var errBadSender = errors.New("smtpd: bad sender address")

// errAborted is what Data returns when the client went away or reset the
// transfer mid-message; the client never reads the reply.
var errAborted = errors.New("smtpd: message transfer aborted")

// reply maps an error of the store, the directory or the transfer to the
// reply the client gets. It is the one place where errors become replies:
// unknown errors are temporary (451 4.3.0), so a failure this package did
// not foresee is retried by the client rather than bounced.
func reply(err error) *smtp.SMTPError {
	var se *smtp.SMTPError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se == smtp.ErrDataTooLarge:
		return replyTooLarge
	case errors.As(err, &se):
		return se
	case errors.Is(err, store.ErrTooLarge):
		return replyTooLarge
	case errors.Is(err, store.ErrOverQuota):
		return replyOverQuota
	case errors.Is(err, directory.ErrNoDomain):
		return replyRelayDenied
	case errors.Is(err, directory.ErrNotFound):
		return replyNoUser
	case errors.Is(err, directory.ErrInvalid):
		return replyBadRcpt
	case errors.Is(err, errDisabled):
		return replyDisabled
	case errors.Is(err, errBadSender):
		return replyBadSender
	case errors.Is(err, errAborted):
		return replyTemporary
	case store.IsPermanent(err):
		return replyPermanent
	}
	return replyTemporary
}

// fail logs err with its detail and returns the reply for it. Temporary
// failures of our own (the store, the directory) are logged as warnings;
// refusals that are the client's doing at info.
func fail(log *slog.Logger, msg string, err error, args ...any) error {
	r := reply(err)
	level := slog.LevelInfo
	if (r == replyTemporary || r == replyPermanent) && !errors.Is(err, errAborted) {
		level = slog.LevelWarn
	}
	log.Log(context.Background(), level, msg, append(args, "code", r.Code, "err", err)...)
	return r
}
