package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"time"
)

// pop3Conn is a raw POP3 client connection.
type pop3Conn struct {
	nc net.Conn
	r  *bufio.Reader
	w  *bufio.Writer
}

func dialPOP3(addr string, timeout time.Duration) (*pop3Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	c := &pop3Conn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10), w: bufio.NewWriterSize(nc, 4<<10)}
	_ = nc.SetDeadline(time.Now().Add(timeout))
	if _, err := c.status(); err != nil {
		nc.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	return c, nil
}

func (c *pop3Conn) Close() error { return c.nc.Close() }

// status reads a one-line reply, which must be +OK, and returns its text.
func (c *pop3Conn) status() (string, error) {
	line, err := readLine(c.r)
	if err != nil {
		return "", err
	}
	if !bytes.HasPrefix(line, []byte("+OK")) {
		return "", fmt.Errorf("%q", line)
	}
	return string(line), nil
}

// cmd sends one command and reads its one-line reply.
func (c *pop3Conn) cmd(format string, args ...any) (string, error) {
	fmt.Fprintf(c.w, format+"\r\n", args...)
	if err := c.w.Flush(); err != nil {
		return "", err
	}
	return c.status()
}

// login says USER and PASS, then STAT, and returns the maildrop's count.
func (c *pop3Conn) login(user, pass string) (int, error) {
	if _, err := c.cmd("USER %s", user); err != nil {
		return 0, fmt.Errorf("USER: %w", err)
	}
	if _, err := c.cmd("PASS %s", pass); err != nil {
		return 0, fmt.Errorf("PASS: %w", err)
	}
	st, err := c.cmd("STAT")
	if err != nil {
		return 0, fmt.Errorf("STAT: %w", err)
	}
	f := bytes.Fields([]byte(st))
	if len(f) < 2 {
		return 0, fmt.Errorf("STAT: %q", st)
	}
	return strconv.Atoi(string(f[1]))
}

// readMultiline reads a +OK reply and the multi-line body behind it, up
// to the line ".", and returns the body's size with dot-stuffing undone
// and CRLF line ends (RFC 1939 §3).
func readMultiline(r *bufio.Reader) (int64, error) {
	line, err := readLine(r)
	if err != nil {
		return 0, err
	}
	if !bytes.HasPrefix(line, []byte("+OK")) {
		return 0, fmt.Errorf("%q", line)
	}
	var n int64
	for {
		line, err := readLine(r)
		if err != nil {
			return 0, err
		}
		if len(line) == 1 && line[0] == '.' {
			return n, nil
		}
		if len(line) > 0 && line[0] == '.' {
			line = line[1:]
		}
		n += int64(len(line)) + 2
	}
}
