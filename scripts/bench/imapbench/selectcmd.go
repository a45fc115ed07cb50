package main

import (
	"flag"
	"fmt"
	"io"
	"time"
)

// selectCmd measures, on a fresh connection per round after LOGIN, the
// latency of SELECT (first byte sent to tagged OK) and of FETCH 1:* (UID
// FLAGS) that follows it.
func selectCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("select", flag.ContinueOnError)
	var targets targetList
	fs.Var(&targets, "target", "NAME=HOST:PORT of an IMAP server (repeat)")
	user := fs.String("user", "", "login")
	pass := fs.String("pass", "", "password")
	mailbox := fs.String("mailbox", "INBOX", "mailbox to select")
	want := fs.Int("messages", 0, "expected message count; 0 checks none")
	rounds := fs.Int("rounds", 5, "rounds over the targets")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound of one round")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return interleave(out, "select", targets, *rounds, func(t target) (sample, error) {
		c, err := dialIMAP(t.addr, *timeout)
		if err != nil {
			return nil, err
		}
		defer logout(c)
		if err := c.login(*user, *pass); err != nil {
			return nil, fmt.Errorf("LOGIN: %w", err)
		}
		exists, sel, err := selectMailbox(c, *mailbox)
		if err != nil {
			return nil, err
		}
		if *want > 0 && exists != *want {
			return nil, fmt.Errorf("%s holds %d messages, want %d", *mailbox, exists, *want)
		}
		n := 0
		start := time.Now()
		_, err = c.command(func(r *response) error {
			if r.is(2, "FETCH") {
				n++
			}
			return nil
		}, "FETCH 1:* (UID FLAGS)")
		flags := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("FETCH 1:* (UID FLAGS): %w", err)
		}
		if n != exists {
			return nil, fmt.Errorf("FETCH 1:* (UID FLAGS): %d responses for %d messages", n, exists)
		}
		return sample{"select_ms": ms(sel), "flags_ms": ms(flags), "messages": float64(exists)}, nil
	})
}
