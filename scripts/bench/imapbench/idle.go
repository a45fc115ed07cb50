package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/axmail/axmail/scripts/bench/internal/procmem"
)

// idle holds N connections, each logged in with INBOX selected, and
// prints what they cost the server in memory, measured with all of them
// open against a measure taken before the first.
func idle(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	addr := fs.String("addr", "", "IMAP server HOST:PORT")
	user := fs.String("user", "", "login")
	pass := fs.String("pass", "", "password")
	conns := fs.Int("conns", 2000, "connections to hold")
	pid := fs.Int("pid", 0, "the server process (one process serves every connection)")
	ppid := fs.Int("ppid", 0, "the parent of the server processes (a process per connection)")
	comm := fs.String("comm", "imap", "with --ppid: the name of the processes to sum")
	parallel := fs.Int("parallel", 16, "connections opened at once")
	settle := fs.Duration("settle", 3*time.Second, "wait before each measure")
	timeout := fs.Duration("timeout", 60*time.Second, "bound of one connection's LOGIN and SELECT")
	prefix := fs.String("prefix", "idle", "key prefix")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*pid == 0) == (*ppid == 0) {
		return errors.New("give one of --pid and --ppid")
	}
	measure := func() (procmem.Use, error) { return procmem.Of(*pid, *ppid, *comm) }
	// One session first, untimed and closed, so that the mailbox is
	// opened once (axd's hot cache) before the first measure.
	c, _, _, err := openSelected(*addr, *user, *pass, "INBOX", *timeout)
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	logout(c)
	time.Sleep(*settle)
	before, err := measure()
	if err != nil {
		return err
	}
	start := time.Now()
	held, err := openMany(*addr, *user, *pass, *conns, *parallel, *timeout)
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	if err != nil {
		return err
	}
	opened := time.Since(start)
	time.Sleep(*settle)
	after, err := measure()
	if err != nil {
		return err
	}
	// Every connection must still be served after the measure.
	for i, c := range held {
		c.deadline(*timeout)
		if _, err := c.command(nil, "NOOP"); err != nil {
			return fmt.Errorf("connection %d after the measure: %w", i, err)
		}
	}
	n := float64(len(held))
	fmt.Fprintf(out, "%s.conns %d\n", *prefix, len(held))
	fmt.Fprintf(out, "%s.procs %d\n", *prefix, after.Procs)
	fmt.Fprintf(out, "%s.open_seconds %.3f\n", *prefix, opened.Seconds())
	fmt.Fprintf(out, "%s.rss_per_conn %.0f\n", *prefix, float64(after.RSS-before.RSS)/n)
	fmt.Fprintf(out, "%s.pss_per_conn %.0f\n", *prefix, float64(after.PSS-before.PSS)/n)
	fmt.Fprintf(out, "%s.rss_before %d\n%s.rss_after %d\n", *prefix, before.RSS, *prefix, after.RSS)
	fmt.Fprintf(out, "%s.pss_before %d\n%s.pss_after %d\n", *prefix, before.PSS, *prefix, after.PSS)
	return nil
}

// openMany opens n selected sessions, at most parallel at a time.
func openMany(addr, user, pass string, n, parallel int, timeout time.Duration) ([]*imapConn, error) {
	var (
		mu    sync.Mutex
		held  []*imapConn
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, parallel)
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, _, _, err := openSelected(addr, user, pass, "INBOX", timeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmpOr(first, err)
				return
			}
			c.deadline(0)
			held = append(held, c)
		})
	}
	wg.Wait()
	if first != nil {
		return held, fmt.Errorf("%d of %d connections open: %w", len(held), n, first)
	}
	return held, nil
}
