// Command indexmem measures what the store's in-RAM index costs per
// message: the RSS growth of a process that opens a store of many messages
// and brings every mailbox into the hot cache.
//
//	indexmem fill    --data-dir D [--messages N --size B --accounts A --concurrency C]
//	indexmem measure --data-dir D
//
// fill appends N small messages spread over A accounts (one INBOX each)
// from C goroutines. measure must run in a fresh process: it reads
// /proc/self/status (VmRSS, RssAnon, RssFile) and the Go heap after
// opening the store, loads every mailbox into the hot cache with UIDs,
// checks that CachedMessages covers every message, and reads them again,
// each time after runtime.GC and debug.FreeOSMemory.
//
// Results go to stdout as "key value" lines, a summary to stderr.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/store"
	"github.com/axmail/axmail/scripts/bench/internal/benchmsg"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dataDir := fs.String("data-dir", "", "data directory of the store")
	messages := fs.Int("messages", 1_000_000, "fill: messages to append")
	var size config.Size = 200
	fs.Var(&size, "size", "fill: size of each message (bytes, or with K, M)")
	accounts := fs.Int("accounts", 100, "fill: accounts (one INBOX each) to spread the messages over")
	conc := fs.Int("concurrency", 64, "fill: concurrent appenders")
	timeout := fs.Duration("timeout", 20*time.Minute, "fill: give up after this long")
	_ = fs.Parse(os.Args[2:])
	if *dataDir == "" {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "fill":
		err = fill(*dataDir, *messages, int(size), *accounts, *conc, *timeout)
	case "measure":
		err = measure(*dataDir)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "indexmem:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: indexmem fill|measure --data-dir DIR [flags]")
	os.Exit(64)
}

func account(a int) string { return fmt.Sprintf("user%d@example.org", a) }

func fill(dir string, n, size, accounts, conc int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	lock, err := store.Lock(dir, "indexmem")
	if err != nil {
		return err
	}
	defer lock.Unlock()
	s, err := store.Open(store.Options{DataDir: dir, CacheMessages: -1})
	if err != nil {
		return err
	}
	defer s.Close()
	// One body per account, so that the fill is not bound by generating.
	bodies := make([][]byte, accounts)
	for a := range bodies {
		bodies[a] = benchmsg.Message(a, size)
	}
	var next, done atomic.Int64
	errs := make([]error, conc)
	var wg sync.WaitGroup
	start := time.Now()
	stopReport := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				d := done.Load()
				fmt.Fprintf(os.Stderr, "indexmem fill: %d of %d, %.0f/s\n", d, n, float64(d)/time.Since(start).Seconds())
			case <-stopReport:
				return
			}
		}
	}()
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				a := i % accounts
				if _, err := s.Append(ctx, account(a), store.Inbox, bodies[a], 0, nil, time.Time{}, store.Quota{}); err != nil {
					errs[g] = err
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stopReport)
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("fill: %w (after %d messages)", err, done.Load())
		}
	}
	fmt.Printf("fill.messages %d\n", n)
	fmt.Printf("fill.seconds %.1f\n", elapsed.Seconds())
	fmt.Printf("fill.rate %.1f\n", float64(n)/elapsed.Seconds())
	fmt.Fprintf(os.Stderr, "indexmem fill: %d messages of %d bytes over %d accounts at concurrency %d in %.1fs, %.0f/s\n",
		n, size, accounts, conc, elapsed.Seconds(), float64(n)/elapsed.Seconds())
	return nil
}

type memSample struct {
	vmRSS, rssAnon, rssFile int64 // bytes
	heapInuse               uint64
}

func sample() (memSample, error) {
	runtime.GC()
	debug.FreeOSMemory()
	var m memSample
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.heapInuse = ms.HeapInuse
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return m, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch k {
		case "VmRSS":
			dst = &m.vmRSS
		case "RssAnon":
			dst = &m.rssAnon
		case "RssFile":
			dst = &m.rssFile
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return m, fmt.Errorf("parse %s in /proc/self/status: %w", k, err)
		}
		*dst = kb << 10
	}
	return m, sc.Err()
}

func measure(dir string) error {
	lock, err := store.Lock(dir, "indexmem")
	if err != nil {
		return err
	}
	defer lock.Unlock()
	base, err := sample()
	if err != nil {
		return err
	}
	openStart := time.Now()
	s, err := store.Open(store.Options{DataDir: dir}) // default cache: 4,000,000 messages
	if err != nil {
		return err
	}
	open := time.Since(openStart)
	defer s.Close()
	accounts, err := s.Accounts()
	if err != nil {
		return err
	}
	var boxes []store.Mailbox
	var total int64
	for _, a := range accounts {
		mbs, err := s.ListMailboxes(a)
		if err != nil {
			return err
		}
		for _, mb := range mbs {
			boxes = append(boxes, mb)
			total += int64(mb.Messages)
		}
	}
	before, err := sample()
	if err != nil {
		return err
	}
	start := time.Now()
	for _, mb := range boxes {
		if _, err := s.UIDs(mb.ID); err != nil {
			return fmt.Errorf("load %s %s: %w", mb.Account, mb.Name, err)
		}
	}
	load := time.Since(start)
	cached := s.CachedMessages()
	after, err := sample()
	if err != nil {
		return err
	}
	if cached != total {
		return fmt.Errorf("hot cache holds %d messages, the mailboxes %d", cached, total)
	}
	runtime.KeepAlive(s)
	per := func(a, b int64) float64 { return float64(b-a) / float64(cached) }
	fmt.Printf("mem.mailboxes %d\n", len(boxes))
	fmt.Printf("mem.cached %d\n", cached)
	fmt.Printf("mem.open_seconds %.2f\n", open.Seconds())
	fmt.Printf("mem.load_seconds %.2f\n", load.Seconds())
	fmt.Printf("mem.base_vmrss %d\n", base.vmRSS)
	fmt.Printf("mem.open_vmrss %d\n", before.vmRSS)
	fmt.Printf("mem.hot_vmrss %d\n", after.vmRSS)
	fmt.Printf("mem.open_rssanon %d\n", before.rssAnon)
	fmt.Printf("mem.hot_rssanon %d\n", after.rssAnon)
	fmt.Printf("mem.open_rssfile %d\n", before.rssFile)
	fmt.Printf("mem.hot_rssfile %d\n", after.rssFile)
	fmt.Printf("mem.vmrss_per_msg %.1f\n", per(before.vmRSS, after.vmRSS))
	fmt.Printf("mem.rssanon_per_msg %.1f\n", per(before.rssAnon, after.rssAnon))
	fmt.Printf("mem.rssfile_per_msg %.1f\n", per(before.rssFile, after.rssFile))
	fmt.Printf("mem.heapinuse_per_msg %.1f\n", float64(int64(after.heapInuse)-int64(before.heapInuse))/float64(cached))
	fmt.Fprintf(os.Stderr, "indexmem measure: store opened in %.2fs; %d messages in %d mailboxes cached in %.2fs; per message: VmRSS %+.1f B, RssAnon %+.1f B, RssFile %+.1f B, HeapInuse %+.1f B\n",
		open.Seconds(), cached, len(boxes), load.Seconds(), per(before.vmRSS, after.vmRSS), per(before.rssAnon, after.rssAnon),
		per(before.rssFile, after.rssFile), float64(int64(after.heapInuse)-int64(before.heapInuse))/float64(cached))
	return nil
}
