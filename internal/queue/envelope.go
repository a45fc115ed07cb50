package queue

import "time"

// Recipient is one forward-path of a queued message with its DSN
// parameters (RFC 3461).
type Recipient struct {
	// Address is the forward-path as received.
	Address string
	// Notify holds the DSN NOTIFY values (NEVER, SUCCESS, FAILURE,
	// DELAY); nil when the client gave none.
	Notify []string
	// ORcpt is the DSN ORCPT parameter, raw ("rfc822;user@example.org");
	// "" when not given.
	ORcpt string
}

// Envelope is what the SMTP session knows of a queued message.
type Envelope struct {
	// From is the reverse-path; "" is the null sender.
	From       string
	Recipients []Recipient
	// Ret is the DSN RET parameter: "FULL", "HDRS" or "".
	Ret string
	// EnvID is the DSN ENVID parameter, "" when not given.
	EnvID string
	// Account is the authenticated account that submitted the message.
	Account string
	// ClientIP is the submitting client's address.
	ClientIP string
}

// Message is a queued message as List and Get describe it.
type Message struct {
	ID          string
	Envelope    Envelope
	Size        int64
	Created     time.Time
	Attempts    int
	NextAttempt time.Time
	LastError   string
}
