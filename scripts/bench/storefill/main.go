// Command storefill fills an axmail store with generated messages, for
// benchmarks and the demo of make run. It takes the data-dir lock like
// every other writer.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/store"
	"github.com/axmail/axmail/scripts/bench/internal/benchmsg"
)

func main() {
	dataDir := flag.String("data-dir", "./axdata", "data directory")
	messages := flag.Int("messages", 1000, "messages to append")
	var size config.Size = 8 << 10
	flag.Var(&size, "size", "size of each message (bytes, or with K, M)")
	accounts := flag.Int("accounts", 10, "accounts to spread the messages over")
	mailboxes := flag.Int("mailboxes", 1, "mailboxes per account (INBOX, Folder1...)")
	conc := flag.Int("concurrency", 64, "concurrent appenders")
	deleteEvery := flag.Int("delete-every", 0, "after filling, remove every Nth message (2 removes half); 0 removes none")
	var containerSize config.Size = 64 << 20
	flag.Var(&containerSize, "container-size", "store.container_size")
	flag.Parse()
	if err := run(*dataDir, *messages, int(size), *accounts, *mailboxes, *conc, *deleteEvery, int64(containerSize)); err != nil {
		fmt.Fprintln(os.Stderr, "storefill:", err)
		os.Exit(1)
	}
}

func run(dataDir string, n, size, accounts, mailboxes, conc, deleteEvery int, containerSize int64) error {
	ctx := context.Background()
	lock, err := store.Lock(dataDir, "storefill")
	if err != nil {
		return err
	}
	defer lock.Unlock()
	s, err := store.Open(store.Options{DataDir: dataDir, ContainerSize: containerSize, CacheMessages: -1})
	if err != nil {
		return err
	}
	defer s.Close()
	names := []string{store.Inbox}
	for m := 1; m < mailboxes; m++ {
		names = append(names, fmt.Sprintf("Folder%d", m))
	}
	for a := range accounts {
		for _, name := range names[1:] {
			if _, err := s.CreateMailbox(ctx, account(a), name, store.MailboxOptions{}); err != nil && err != store.ErrMailboxExists {
				return err
			}
		}
	}
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				a := i % accounts
				mb := names[(i/accounts)%len(names)]
				if _, err := s.Append(ctx, account(a), mb, benchmsg.Message(i, size), 0, nil, time.Time{}, store.Quota{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fill := time.Since(start)
	removed := 0
	if deleteEvery > 0 {
		for a := range accounts {
			for _, name := range names {
				mb, err := s.GetMailbox(account(a), name)
				if err != nil {
					continue
				}
				uids, err := s.UIDs(mb.ID)
				if err != nil {
					return err
				}
				var del []uint32
				for k, uid := range uids {
					if k%deleteEvery == 0 {
						del = append(del, uid)
					}
				}
				gone, err := s.Remove(ctx, mb.ID, del)
				if err != nil {
					return err
				}
				removed += len(gone)
			}
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"messages": n, "size": size, "removed": removed, "fill_seconds": fill.Seconds(),
		"messages_per_second": float64(n) / fill.Seconds(),
	})
}

func account(a int) string { return fmt.Sprintf("user%d@example.org", a) }
