package main

import (
	"fmt"
	"strconv"
	"time"
)

// openSelected connects, logs in and selects mailbox; it returns the
// connection and the mailbox's message count (EXISTS).
func openSelected(addr, user, pass, mailbox string, timeout time.Duration) (*imapConn, int, time.Duration, error) {
	c, err := dialIMAP(addr, timeout)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := c.login(user, pass); err != nil {
		c.Close()
		return nil, 0, 0, fmt.Errorf("LOGIN %s: %w", user, err)
	}
	exists, took, err := selectMailbox(c, mailbox)
	if err != nil {
		c.Close()
		return nil, 0, 0, err
	}
	return c, exists, took, nil
}

// selectMailbox says SELECT and returns EXISTS and the time from the
// command's first byte to the tagged OK.
func selectMailbox(c *imapConn, mailbox string) (int, time.Duration, error) {
	exists := -1
	start := time.Now()
	_, err := c.command(func(r *response) error {
		if r.is(2, "EXISTS") {
			n, err := strconv.Atoi(r.field(1))
			if err != nil {
				return fmt.Errorf("bad EXISTS: %q", r.line)
			}
			exists = n
		}
		return nil
	}, "SELECT %s", quote(mailbox))
	took := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("SELECT %s: %w", mailbox, err)
	}
	if exists < 0 {
		return 0, 0, fmt.Errorf("SELECT %s: no EXISTS", mailbox)
	}
	return exists, took, nil
}

// logout says LOGOUT and closes; errors are of no interest by then.
func logout(c *imapConn) {
	_, _ = c.command(nil, "LOGOUT")
	c.Close()
}
