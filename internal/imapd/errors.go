package imapd

import (
	"context"
	"errors"

	"github.com/emersion/go-imap/v2"

	"github.com/axmail/axmail/internal/store"
)

// Replies that carry no detail of the failure: the client gets a generic
// text, the log gets the cause (STYLE.md rule 6).
var (
	errNoMailbox     = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "No such mailbox"}
	errTryCreate     = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: "No such mailbox"}
	errMailboxExists = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlreadyExists, Text: "Mailbox already exists"}
	errBadName       = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Invalid mailbox name"}
	errOverQuota     = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeOverQuota, Text: "Quota exceeded"}
	errTooBig        = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTooBig, Text: "Message too large"}
	errUnavailable   = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable, Text: "Temporary failure, try again later"}
	errReadOnly      = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Mailbox is read-only"}
	errInboxDelete   = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "INBOX cannot be deleted"}
	errAuthFailed    = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Authentication failed"}
	errAuthTemporary = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable, Text: "Authentication temporarily unavailable"}
	errNotAllowed    = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthorizationFailed, Text: "Account not allowed to use IMAP"}
	errPrivacy       = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodePrivacyRequired, Text: "TLS is required to authenticate"}
	errTooManyLogins = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Authentication failed; too many failures, closing"}
	errBadSeqSet     = &imap.Error{Type: imap.StatusResponseTypeBad, Code: imap.ResponseCodeClientBug, Text: "Invalid message sequence number"}
)

// codeExpungeIssued (RFC 9051 §7.1) says some messages of the request were
// expunged by another session and were left out.
const codeExpungeIssued imap.ResponseCode = "EXPUNGEISSUED"

// replyFor maps an error of the store (or of a context) to the reply the
// client gets. It is the one place where storage errors become IMAP
// replies; unknown errors are temporary and logged by the caller.
func replyFor(err error) (reply *imap.Error, known bool) {
	var ie *imap.Error
	switch {
	case err == nil:
		return nil, true
	case errors.As(err, &ie):
		return ie, true
	case errors.Is(err, store.ErrNoMailbox):
		return errNoMailbox, true
	case errors.Is(err, store.ErrMailboxExists):
		return errMailboxExists, true
	case errors.Is(err, store.ErrBadName):
		return errBadName, true
	case errors.Is(err, store.ErrOverQuota):
		return errOverQuota, true
	case errors.Is(err, store.ErrTooLarge):
		return errTooBig, true
	case errors.Is(err, store.ErrNoMessage):
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: codeExpungeIssued, Text: "Message was expunged"}, true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, store.ErrClosed):
		return errUnavailable, true
	}
	return errUnavailable, false
}
