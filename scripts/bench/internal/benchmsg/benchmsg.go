// Package benchmsg generates the messages that the store benchmarks write,
// so that axmail's store and the peers (Dovecot) hold the same bytes.
package benchmsg

import (
	"bytes"
	"fmt"
)

// Message returns the i-th generated message, of exactly size bytes when
// size is larger than its headers (CRLF line endings, plain ASCII).
func Message(i, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Sender %d <sender%d@example.org>\r\nTo: rcpt@example.com\r\nSubject: generated message %d\r\n"+
		"Date: Mon, 02 Jan 2026 15:04:05 +0000\r\nMessage-ID: <%d.storefill@example.org>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=us-ascii\r\n\r\n", i%97, i%97, i, i)
	line := []byte("The quick brown fox jumps over the lazy dog, again and again and again.\r\n")
	for b.Len()+len(line) <= size {
		b.Write(line)
	}
	for b.Len() < size {
		b.WriteByte('.')
	}
	return b.Bytes()
}
