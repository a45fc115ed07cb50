// Command mailgen writes the messages that storefill stores (the same
// generator, the same sizes) as a Maildir, for filling a peer such as
// Dovecot through `doveadm import`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/scripts/bench/internal/benchmsg"
)

func main() {
	dir := flag.String("maildir", "", "Maildir to create (cur, new, tmp)")
	messages := flag.Int("messages", 1000, "messages to write")
	var size config.Size = 8 << 10
	flag.Var(&size, "size", "size of each message (bytes, or with K, M)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "mailgen: --maildir is required")
		os.Exit(64)
	}
	if err := run(*dir, *messages, int(size)); err != nil {
		fmt.Fprintln(os.Stderr, "mailgen:", err)
		os.Exit(1)
	}
}

func run(dir string, n, size int) error {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	const workers = 4
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				// Seen flag, so that no import marks it \Recent-only.
				name := filepath.Join(dir, "cur", fmt.Sprintf("%d.bench:2,S", i))
				if err := os.WriteFile(name, benchmsg.Message(i, size), 0o644); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
