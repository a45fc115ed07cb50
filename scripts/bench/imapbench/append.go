package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axmail/axmail/scripts/bench/internal/benchmsg"
)

// appendCmd measures APPEND of generated messages over one connection
// per user, all at once: messages/s from the first APPEND to the last
// tagged OK (each given after the server's fsync), and each APPEND's
// latency. A round stops early at --duration, counting what was done.
func appendCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("append", flag.ContinueOnError)
	var targets targetList
	fs.Var(&targets, "target", "NAME=HOST:PORT of an IMAP server (repeat)")
	users := fs.String("users", "", "comma-separated logins, one connection each")
	pass := fs.String("pass", "", "password")
	mailbox := fs.String("mailbox", "INBOX", "mailbox to append to")
	messages := fs.Int("messages", 20000, "messages per round, over all connections")
	size := fs.Int("size", 8192, "size of each message")
	rounds := fs.Int("rounds", 2, "rounds over the targets")
	duration := fs.Duration("duration", 90*time.Second, "a round stops after this long")
	timeout := fs.Duration("timeout", 60*time.Second, "bound of one APPEND")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logins := strings.Split(*users, ",")
	if *users == "" {
		return errors.New("--users is required")
	}
	// The messages are built before the clock starts, a few distinct
	// ones reused, so that the client does little work while measured.
	var msgs [][]byte
	for i := range 64 {
		msgs = append(msgs, benchmsg.Message(i, *size))
	}
	return interleave(out, "append", targets, *rounds, func(t target) (sample, error) {
		conns := make([]*imapConn, len(logins))
		defer func() {
			for _, c := range conns {
				if c != nil {
					logout(c)
				}
			}
		}()
		for i, u := range logins {
			c, _, _, err := openSelected(t.addr, u, *pass, *mailbox, *timeout)
			if err != nil {
				return nil, err
			}
			conns[i] = c
		}
		var (
			next  atomic.Int64
			mu    sync.Mutex
			lats  []time.Duration
			first error
			wg    sync.WaitGroup
		)
		stop := time.Now().Add(*duration)
		start := time.Now()
		for _, c := range conns {
			wg.Go(func() {
				var mine []time.Duration
				defer func() {
					mu.Lock()
					lats = append(lats, mine...)
					mu.Unlock()
				}()
				for time.Now().Before(stop) {
					i := next.Add(1) - 1
					if i >= int64(*messages) {
						return
					}
					c.deadline(*timeout)
					t0 := time.Now()
					if err := c.appendMsg(*mailbox, msgs[i%int64(len(msgs))]); err != nil {
						mu.Lock()
						first = cmpOr(first, fmt.Errorf("APPEND %d: %w", i, err))
						mu.Unlock()
						return
					}
					mine = append(mine, time.Since(t0))
				}
			})
		}
		wg.Wait()
		took := time.Since(start).Seconds()
		if first != nil {
			return nil, first
		}
		slices.Sort(lats)
		n := len(lats)
		if n == 0 {
			return nil, errors.New("no APPEND completed")
		}
		return sample{"rate": float64(n) / took, "messages": float64(n), "seconds": took,
			"p50_ms": ms(lats[n/2]), "p99_ms": ms(lats[n*99/100]), "max_ms": ms(lats[n-1])}, nil
	})
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
