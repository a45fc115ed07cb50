package main

import (
	"flag"
	"fmt"
	"io"
	"time"
)

// retr measures POP3 RETR of a whole maildrop with up to depth commands
// in flight (1: one at a time), messages/s and MB/s from the first RETR
// to the last message's final ".". The session ends with QUIT and no
// DELE, so the maildrop is the same for the next round.
func retr(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pop3", flag.ContinueOnError)
	var targets targetList
	fs.Var(&targets, "target", "NAME=HOST:PORT of a POP3 server (repeat)")
	user := fs.String("user", "", "login")
	pass := fs.String("pass", "", "password")
	depth := fs.Int("depth", 1, "RETR commands in flight")
	size := fs.Int64("size", 0, "expected size of every message; 0 checks none")
	want := fs.Int("messages", 0, "expected message count; 0 checks none")
	rounds := fs.Int("rounds", 3, "rounds over the targets")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound of one round")
	prefix := fs.String("prefix", "", "key prefix (default pop3.d<depth>)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *depth < 1 {
		return fmt.Errorf("--depth %d: want at least 1", *depth)
	}
	if *prefix == "" {
		*prefix = fmt.Sprintf("pop3.d%d", *depth)
	}
	return interleave(out, *prefix, targets, *rounds, func(t target) (sample, error) {
		c, err := dialPOP3(t.addr, *timeout)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		n, err := c.login(*user, *pass)
		if err != nil {
			return nil, err
		}
		if *want > 0 && n != *want {
			return nil, fmt.Errorf("maildrop of %d messages, want %d", n, *want)
		}
		var bytes int64
		sent := 0
		start := time.Now()
		for got := 0; got < n; got++ {
			for sent < n && sent-got < *depth {
				sent++
				fmt.Fprintf(c.w, "RETR %d\r\n", sent)
			}
			if err := c.w.Flush(); err != nil {
				return nil, err
			}
			m, err := readMultiline(c.r)
			if err != nil {
				return nil, fmt.Errorf("RETR %d: %w", got+1, err)
			}
			// A message that does not end in CRLF is sent with one added.
			if *size > 0 && m != *size && m != *size+2 {
				return nil, fmt.Errorf("RETR %d: %d bytes, want %d", got+1, m, *size)
			}
			bytes += m
		}
		took := time.Since(start).Seconds()
		if _, err := c.cmd("QUIT"); err != nil {
			return nil, fmt.Errorf("QUIT: %w", err)
		}
		return sample{"rate": float64(n) / took, "mbps": float64(bytes) / took / 1e6, "seconds": took,
			"messages": float64(n)}, nil
	})
}
