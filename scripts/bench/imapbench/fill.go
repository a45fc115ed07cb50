package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/store"
	"github.com/axmail/axmail/scripts/bench/internal/benchmsg"
)

// fillSpec is one --account EMAIL:COUNT:SIZE: COUNT messages of SIZE
// bytes, benchmsg.Message(0..COUNT-1, SIZE), into the account's INBOX.
type fillSpec struct {
	account string
	count   int
	size    int
}

type fillList []fillSpec

func (l *fillList) String() string { return fmt.Sprint(*l) }

func (l *fillList) Set(v string) error {
	f := strings.Split(v, ":")
	if len(f) != 3 || f[0] == "" {
		return errors.New("want EMAIL:COUNT:SIZE")
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 0 {
		return fmt.Errorf("bad count %q", f[1])
	}
	var size config.Size
	if err := size.Set(f[2]); err != nil {
		return err
	}
	*l = append(*l, fillSpec{strings.ToLower(f[0]), n, int(size)})
	return nil
}

// fill appends the messages of every spec to an axd data dir, offline,
// holding the data-dir lock, and prints messages/s.
func fill(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fill", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "axd's data directory")
	var specs fillList
	fs.Var(&specs, "account", "EMAIL:COUNT:SIZE (repeat)")
	conc := fs.Int("concurrency", 64, "concurrent appenders")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataDir == "" || len(specs) == 0 {
		return errors.New("--data-dir and --account are required")
	}
	lock, err := store.Lock(*dataDir, "imapbench fill")
	if err != nil {
		return err
	}
	defer lock.Unlock()
	s, err := store.Open(store.Options{DataDir: *dataDir, CacheMessages: -1})
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	total := 0
	for _, sp := range specs {
		if err := fillOne(s, sp, *conc); err != nil {
			return fmt.Errorf("%s: %w", sp.account, err)
		}
		total += sp.count
	}
	fmt.Fprintf(out, "fill.messages %d\nfill.rate %.0f\n", total, float64(total)/time.Since(start).Seconds())
	return nil
}

func fillOne(s *store.Store, sp fillSpec, conc int) error {
	ctx := context.Background()
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= sp.count {
					return
				}
				// \Seen, as mailgen's Maildir files (":2,S") are for Dovecot.
				_, err := s.Append(ctx, sp.account, store.Inbox, benchmsg.Message(i, sp.size), store.FlagSeen, nil, time.Time{}, store.Quota{})
				if err != nil {
					mu.Lock()
					first = cmpOr(first, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
