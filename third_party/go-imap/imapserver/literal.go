package imapserver

import (
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal/imapwire"
)

// maxSkippedLiteral bounds the bytes of refused non-synchronizing literals
// that are read and dropped after the reply, to keep the session (RFC 7888
// section 4, first choice). Beyond it, the server says BYE and closes the
// connection (second choice) rather than spend the bandwidth.
const maxSkippedLiteral = 1024 * 1024

// refuseLiteral answers err to a command whose literal is not accepted. A
// synchronizing literal was not sent (the client waits for a continuation
// request); a non-synchronizing one follows on the wire, and readCommand
// drops it after the reply instead of decoding it as commands.
func (c *Conn) refuseLiteral(size int64, nonSync bool, err error) error {
	if nonSync {
		c.refusedLiteral = size
	}
	return err
}

// skipRefusedLiteral drops a refused non-synchronizing literal and the rest
// of its command, literals included, within maxSkippedLiteral; past it, or
// if the rest of the command does not end within maxCommandSize, it says
// BYE and closes the connection.
func (c *Conn) skipRefusedLiteral() error {
	size := c.refusedLiteral
	if size < 0 {
		return nil
	}
	c.refusedLiteral = -1
	if c.state == imap.ConnStateLogout {
		return nil // the connection ends anyway
	}

	c.setReadTimeout(literalReadTimeout)
	defer c.setReadTimeout(cmdReadTimeout)

	budget := int64(maxSkippedLiteral)
	dec := imapwire.NewDecoder(c.br, imapwire.ConnSideServer)
	dec.MaxSize = maxCommandSize
	for {
		if size > budget {
			c.state = imap.ConnStateLogout
			return c.Bye("Literal too large, closing connection")
		}
		budget -= size
		if _, err := io.CopyN(io.Discard, c.br, size); err != nil {
			return err
		}

		var text string
		dec.Text(&text)
		if !dec.ExpectCRLF() {
			// Longer than maxCommandSize, or the connection failed.
			c.state = imap.ConnStateLogout
			return c.Bye("Command too long, closing connection")
		}
		var nonSync, ok bool
		size, nonSync, ok = literalHeader(text)
		if !ok || !nonSync {
			// The command ends here, or at a synchronizing literal that
			// the client does not send without a continuation request.
			return nil
		}
	}
}

// literalHeader reports whether a command line ends with a literal's
// header, "{size}" or "{size+}" (RFC 9051 section 4.3, RFC 7888), and
// returns its size and whether it is non-synchronizing.
func literalHeader(line string) (size int64, nonSync bool, ok bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false, false
	}
	open := strings.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false, false
	}
	digits := line[open+1 : len(line)-1]
	if strings.HasSuffix(digits, "+") {
		digits, nonSync = digits[:len(digits)-1], true
	}
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false, false
	}
	size, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false, false
	}
	return size, nonSync, true
}
