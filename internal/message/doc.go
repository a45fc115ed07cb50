// Package message computes, once when a message is appended, the summary the
// store caches so that IMAP can answer ENVELOPE and BODYSTRUCTURE without
// re-reading or re-parsing the message.
//
// Summarize reads a message from an io.Reader and describes it with
// go-imap's types; MarshalBinary and UnmarshalSummary turn that summary into
// a compact, versioned byte string for the index and back.
//
// The package is pure: it does no I/O besides reading the reader it is given,
// holds no package-level mutable state, and never panics on hostile input.
// Every limit (MIME nesting depth, number of parts) is a constant, so a
// message yields the same summary on every run. It must not grow knowledge
// of the store, of mailboxes or of the IMAP wire protocol; those belong to
// internal/store and internal/imapd.
//
// A summary produced by Summarize or UnmarshalSummary can always be written
// by go-imap's server: every multipart has at least one child, every part
// has its extension data, and every message/rfc822 part has a body
// structure. go-imap panics on summaries that break these rules, so
// MarshalBinary and UnmarshalSummary refuse them.
//
// LargestAttachment walks a message as it streams past, for the SMTP
// attachment-size limit, with the same depth and part limits.
package message
