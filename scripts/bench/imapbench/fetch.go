package main

import (
	"flag"
	"fmt"
	"io"
	"time"
)

// fetch measures FETCH BODY.PEEK[] of a whole mailbox in batches of
// sequence numbers: messages/s and MB/s (10^6 bytes) of message bytes,
// from the first FETCH to the last tagged OK.
func fetch(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	var targets targetList
	fs.Var(&targets, "target", "NAME=HOST:PORT of an IMAP server (repeat)")
	user := fs.String("user", "", "login")
	pass := fs.String("pass", "", "password")
	mailbox := fs.String("mailbox", "INBOX", "mailbox to read")
	batch := fs.Int("batch", 500, "messages per FETCH command")
	size := fs.Int64("size", 0, "expected size of every message; 0 checks none")
	want := fs.Int("messages", 0, "expected message count; 0 checks none")
	rounds := fs.Int("rounds", 3, "rounds over the targets")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound of one round")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return interleave(out, "fetch", targets, *rounds, func(t target) (sample, error) {
		c, exists, _, err := openSelected(t.addr, *user, *pass, *mailbox, *timeout)
		if err != nil {
			return nil, err
		}
		defer logout(c)
		if *want > 0 && exists != *want {
			return nil, fmt.Errorf("%s holds %d messages, want %d", *mailbox, exists, *want)
		}
		var msgs, bytes int64
		onFetch := func(r *response) error {
			if !r.is(2, "FETCH") {
				return nil
			}
			if len(r.literals) != 1 {
				return fmt.Errorf("FETCH with %d literals: %q", len(r.literals), r.line)
			}
			if *size > 0 && r.literals[0] != *size {
				return fmt.Errorf("message %s of %d bytes, want %d", r.field(1), r.literals[0], *size)
			}
			msgs++
			bytes += r.literals[0]
			return nil
		}
		start := time.Now()
		for lo := 1; lo <= exists; lo += *batch {
			hi := min(lo+*batch-1, exists)
			if _, err := c.command(onFetch, "FETCH %d:%d BODY.PEEK[]", lo, hi); err != nil {
				return nil, fmt.Errorf("FETCH %d:%d: %w", lo, hi, err)
			}
		}
		took := time.Since(start).Seconds()
		if msgs != int64(exists) {
			return nil, fmt.Errorf("%d FETCH responses for %d messages", msgs, exists)
		}
		return sample{"rate": float64(msgs) / took, "mbps": float64(bytes) / took / 1e6, "seconds": took,
			"messages": float64(msgs)}, nil
	})
}
