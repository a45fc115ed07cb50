package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/textproto"
	"sync"
	"time"

	"github.com/axmail/axmail/scripts/bench/internal/procmem"
)

// idle holds N greeted connections open and prints what they cost the
// server in memory.
func idle(args []string) error {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	addr := fs.String("addr", "", "server HOST:PORT")
	conns := fs.Int("conns", 1000, "connections to hold")
	pid := fs.Int("pid", 0, "the server process (one process serves every connection)")
	ppid := fs.Int("ppid", 0, "the parent of the server processes (a process per connection)")
	comm := fs.String("comm", "smtpd", "with --ppid: the name of the processes to sum")
	parallel := fs.Int("parallel", 32, "connections opened at once")
	settle := fs.Duration("settle", 2*time.Second, "wait before each measure")
	prefix := fs.String("prefix", "idle", "key prefix")
	_ = fs.Parse(args)
	if (*pid == 0) == (*ppid == 0) {
		return errors.New("give one of --pid and --ppid")
	}
	measure := func() (procmem.Use, error) { return procmem.Of(*pid, *ppid, *comm) }
	time.Sleep(*settle)
	before, err := measure()
	if err != nil {
		return err
	}
	held, err := openIdle(*addr, *conns, *parallel)
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	if err != nil {
		return err
	}
	time.Sleep(*settle)
	after, err := measure()
	if err != nil {
		return err
	}
	n := float64(len(held))
	fmt.Printf("%s.conns %d\n", *prefix, len(held))
	fmt.Printf("%s.procs %d\n", *prefix, after.Procs)
	fmt.Printf("%s.rss_per_conn %.0f\n", *prefix, float64(after.RSS-before.RSS)/n)
	fmt.Printf("%s.pss_per_conn %.0f\n", *prefix, float64(after.PSS-before.PSS)/n)
	fmt.Printf("%s.rss_before %d\n%s.rss_after %d\n", *prefix, before.RSS, *prefix, after.RSS)
	fmt.Printf("%s.pss_before %d\n%s.pss_after %d\n", *prefix, before.PSS, *prefix, after.PSS)
	return nil
}

// openIdle opens n connections, at most parallel at a time, and leaves
// each after the reply to its EHLO.
func openIdle(addr string, n, parallel int) ([]net.Conn, error) {
	var (
		mu    sync.Mutex
		held  []net.Conn
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, parallel)
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := greet(addr)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = firstErr(first, err)
				return
			}
			held = append(held, c)
		})
	}
	wg.Wait()
	if first != nil {
		return held, fmt.Errorf("%d of %d connections open: %w", len(held), n, first)
	}
	return held, nil
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// greet connects, reads the greeting and says EHLO; the server's process
// (Postfix starts one per connection) may take a while to answer.
func greet(addr string) (net.Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(60 * time.Second))
	// No buffered bytes are left behind: the server sends nothing more
	// until asked, so the textproto reader can be dropped.
	c := textproto.NewConn(nc)
	if _, _, err := c.ReadResponse(220); err != nil {
		nc.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if err := cmd(c, 250, "EHLO idle.client"); err != nil {
		nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	return nc, nil
}
