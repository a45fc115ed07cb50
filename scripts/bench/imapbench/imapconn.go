package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// maxLiteral bounds the literal size a server may announce; the
// benchmark's messages are far smaller.
const maxLiteral = 1 << 30

// imapConn is a raw IMAP client connection: commands are written as
// lines, responses read as lines with their literals skipped and counted.
type imapConn struct {
	nc  net.Conn
	r   *bufio.Reader
	w   *bufio.Writer
	tag int
}

// response is one server response: a line and the literals inside it.
type response struct {
	line     []byte // the text without literal bytes or the final CRLF
	literals []int64
}

// tagged reports the tag of a tagged response, "" for "*" and "+".
func (r *response) tagged() string {
	tag, _, _ := bytes.Cut(r.line, []byte(" "))
	if string(tag) == "*" || string(tag) == "+" {
		return ""
	}
	return string(tag)
}

// field is the i-th word of the line: 0 the tag, 1 the status (OK, NO,
// BAD) or for untagged responses a number or a name.
func (r *response) field(i int) string { return string(r.word(i)) }

// is reports whether the i-th word is s, without allocating: a FETCH of
// 100,000 messages has as many lines, and the client must not be what the
// benchmark measures.
func (r *response) is(i int, s string) bool { return string(r.word(i)) == s }

// word returns the i-th space-separated word of the line, in place.
func (r *response) word(i int) []byte {
	line := r.line
	for {
		for len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
		if len(line) == 0 {
			return nil
		}
		end := bytes.IndexByte(line, ' ')
		if end < 0 {
			end = len(line)
		}
		if i == 0 {
			return line[:end]
		}
		i--
		line = line[end:]
	}
}

func dialIMAP(addr string, timeout time.Duration) (*imapConn, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	c := &imapConn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10), w: bufio.NewWriterSize(nc, 64<<10)}
	c.deadline(timeout)
	greet, err := readResponse(c.r, nil)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if greet.field(0) != "*" || greet.field(1) != "OK" {
		nc.Close()
		return nil, fmt.Errorf("greeting: %q", greet.line)
	}
	return c, nil
}

// deadline bounds the next exchanges; 0 removes the bound.
func (c *imapConn) deadline(d time.Duration) {
	if d == 0 {
		_ = c.nc.SetDeadline(time.Time{})
		return
	}
	_ = c.nc.SetDeadline(time.Now().Add(d))
}

func (c *imapConn) Close() error { return c.nc.Close() }

// login says LOGIN with quoted strings (the benchmark's names and
// passwords need no escaping).
func (c *imapConn) login(user, pass string) error {
	_, err := c.command(nil, "LOGIN %s %s", quote(user), quote(pass))
	return err
}

func quote(s string) string { return strconv.Quote(s) }

// command sends one command and reads up to its tagged reply, which must
// be OK; each untagged response is handed to onUntagged (if not nil).
func (c *imapConn) command(onUntagged func(*response) error, format string, args ...any) (*response, error) {
	tag := c.next()
	fmt.Fprintf(c.w, "%s "+format+"\r\n", append([]any{tag}, args...)...)
	if err := c.w.Flush(); err != nil {
		return nil, err
	}
	return c.finish(tag, onUntagged)
}

func (c *imapConn) next() string {
	c.tag++
	return "t" + strconv.Itoa(c.tag)
}

// finish reads responses until the one tagged tag.
func (c *imapConn) finish(tag string, onUntagged func(*response) error) (*response, error) {
	var buf []byte
	for {
		resp, err := readResponse(c.r, buf)
		if err != nil {
			return nil, err
		}
		buf = resp.line[:0]
		switch t := resp.tagged(); {
		case t == tag:
			if !resp.is(1, "OK") {
				return resp, fmt.Errorf("%s", resp.line)
			}
			return resp, nil
		case t != "":
			return nil, fmt.Errorf("reply to another tag: %q", resp.line)
		case onUntagged != nil && resp.is(0, "*"):
			if err := onUntagged(resp); err != nil {
				return nil, err
			}
		}
	}
}

// appendMsg sends APPEND with a synchronizing literal, waiting for the
// continuation request as RFC 9051 §4.3 asks.
func (c *imapConn) appendMsg(mailbox string, msg []byte) error {
	tag := c.next()
	fmt.Fprintf(c.w, "%s APPEND %s {%d}\r\n", tag, quote(mailbox), len(msg))
	if err := c.w.Flush(); err != nil {
		return err
	}
	for {
		resp, err := readResponse(c.r, nil)
		if err != nil {
			return err
		}
		if resp.is(0, "+") {
			break
		}
		if resp.tagged() == tag {
			return fmt.Errorf("APPEND refused: %s", resp.line)
		}
	}
	c.w.Write(msg)
	c.w.WriteString("\r\n")
	if err := c.w.Flush(); err != nil {
		return err
	}
	_, err := c.finish(tag, nil)
	return err
}

// readResponse reads one response: a line, and while it ends with a
// literal announcement ({N}, {N+} or ~{N}), N bytes that are counted and
// discarded, then the rest of the line. buf is reused for the line.
func readResponse(r *bufio.Reader, buf []byte) (*response, error) {
	resp := &response{line: buf[:0]}
	for {
		line, err := readLine(r)
		if err != nil {
			return nil, err
		}
		n, ok, err := literalSize(line)
		if err != nil {
			return nil, err
		}
		if !ok {
			resp.line = append(resp.line, line...)
			return resp, nil
		}
		resp.line = append(resp.line, line[:bytes.LastIndexByte(line, '{')]...)
		if _, err := io.CopyN(io.Discard, r, n); err != nil {
			return nil, fmt.Errorf("literal of %d bytes: %w", n, err)
		}
		resp.literals = append(resp.literals, n)
	}
}

// maxLine bounds a response line (literals aside): a FETCH of UID and
// FLAGS or an EXISTS is far shorter.
const maxLine = 1 << 20

// readLine reads up to CRLF (or LF) and returns the line without it.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(long) > maxLine {
				return nil, errors.New("response line too long")
			}
			line, err = r.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
	return line, nil
}

// literalSize parses the literal announcement that ends line: "{N}",
// "{N+}" (LITERAL+) or "~{N}" (literal8).
func literalSize(line []byte) (n int64, ok bool, err error) {
	if len(line) < 3 || line[len(line)-1] != '}' {
		return 0, false, nil
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false, nil
	}
	digits := bytes.TrimSuffix(line[open+1:len(line)-1], []byte("+"))
	if len(digits) == 0 || len(digits) > 10 {
		return 0, false, nil
	}
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, false, nil
		}
	}
	n, _ = strconv.ParseInt(string(digits), 10, 64)
	if n > maxLiteral {
		return 0, false, fmt.Errorf("literal of %d bytes announced", n)
	}
	return n, true, nil
}
