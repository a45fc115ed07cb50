package store

import (
	"errors"
	"time"
)

// Flags is the set of IMAP system flags of a message (RFC 9051 §2.3.2).
// Keywords are kept beside it as strings.
type Flags uint16

// System flags.
const (
	FlagSeen Flags = 1 << iota
	FlagAnswered
	FlagFlagged
	FlagDeleted
	FlagDraft
	// FlagForwarded is $Forwarded, common enough to deserve a bit.
	FlagForwarded
	flagsKnown = FlagSeen | FlagAnswered | FlagFlagged | FlagDeleted | FlagDraft | FlagForwarded
)

// FlagOp says how StoreFlags combines the given flags with the current ones.
type FlagOp int

// Flag operations, as IMAP STORE FLAGS, +FLAGS and -FLAGS.
const (
	FlagsSet FlagOp = iota
	FlagsAdd
	FlagsRemove
)

// MailboxID identifies a mailbox for its life; renames keep it.
type MailboxID uint64

// Mailbox is the state of one mailbox.
type Mailbox struct {
	ID            MailboxID
	Account       string
	Name          string
	UIDValidity   uint32
	UIDNext       uint32
	HighestModSeq uint64
	Messages      uint32
	Unseen        uint32
	Deleted       uint32 // messages flagged \Deleted
	Bytes         int64
	Subscribed    bool
	SpecialUse    string // "\Sent", "\Trash", ... or ""
}

// MessageInfo is what the index knows of one message in a mailbox.
type MessageInfo struct {
	UID          uint32
	Flags        Flags
	Keywords     []string
	ModSeq       uint64
	InternalDate time.Time
	Size         int64
	GUID         GUID
}

// Usage is an account's quota usage, over all its mailboxes.
type Usage struct {
	Bytes    int64 `json:"bytes"`
	Messages int64 `json:"messages"`
}

// Quota limits a delivery; 0 means no limit.
type Quota struct {
	Bytes    int64
	Messages int64
}

// Errors returned by the store. Errors not listed here are temporary.
var (
	ErrNoMailbox     = errors.New("store: mailbox does not exist")
	ErrMailboxExists = errors.New("store: mailbox already exists")
	ErrNoMessage     = errors.New("store: message does not exist")
	ErrOverQuota     = errors.New("store: over quota")
	ErrBadName       = errors.New("store: invalid mailbox name")
	ErrClosed        = errors.New("store: closed")
	ErrTooLarge      = errors.New("store: message too large")
	ErrModified      = errors.New("store: message modified since")
)

// TemporaryError wraps an I/O failure that a caller should report as a
// temporary failure (SMTP 4xx, IMAP NO [UNAVAILABLE]).
type TemporaryError struct{ Err error }

func (e *TemporaryError) Error() string { return "store: temporary failure: " + e.Err.Error() }
func (e *TemporaryError) Unwrap() error { return e.Err }

// IsPermanent reports whether err will fail again if retried unchanged.
func IsPermanent(err error) bool {
	for _, p := range []error{ErrNoMailbox, ErrMailboxExists, ErrNoMessage, ErrOverQuota, ErrBadName, ErrTooLarge} {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}

// Inbox is the one mailbox every account has.
const Inbox = "INBOX"

// Delimiter separates levels of the mailbox hierarchy.
const Delimiter = '/'
