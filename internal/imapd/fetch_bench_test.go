package imapd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/store"
)

// benchFetchMessages is the size of the mailbox of BenchmarkFetchFlags, as
// scripts/bench/imap.sh's SELECT benchmark (issue 5).
const benchFetchMessages = 100_000

// BenchmarkFetchFlags measures FETCH 1:* (UID FLAGS) of a 100,000-message
// INBOX filled through the store API, against the real server on
// loopback, as scripts/bench/imapbench select does: one op is one whole
// command, its 100,000 responses read by a client that only splits lines.
//
//	go test -run '^$' -bench FetchFlags -benchmem -cpuprofile cpu.out ./internal/imapd
func BenchmarkFetchFlags(b *testing.B) {
	e := newEnv(b, Options{})
	fillInbox(b, e.st, alice, benchFetchMessages)
	for _, bc := range []struct {
		name   string
		setup  string // a command run once after SELECT, or ""
		fetch  string
		prefix string // what each response starts its items with
	}{
		{"uid-flags", "", "FETCH 1:* (UID FLAGS)", "(UID "},
		{"uid-flags-condstore", "ENABLE CONDSTORE", "FETCH 1:* (UID FLAGS)", "(UID "},
		{"uid-fetch-flags", "", "UID FETCH 1:* FLAGS", "(UID "},
		{"fast", "", "FETCH 1:* FAST", "(FLAGS "},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := e.login(alice)
			if bc.setup != "" {
				c.ok("%s", bc.setup)
			}
			c.ok("SELECT INBOX")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if n := c.countFetch(bc.fetch, bc.prefix); n != benchFetchMessages {
					b.Fatalf("%s: %d responses, want %d", bc.fetch, n, benchFetchMessages)
				}
			}
		})
	}
}

// fillInbox appends n small messages with \Seen to account's INBOX, 64 at a
// time so that group commit shares the fsyncs.
func fillInbox(b *testing.B, st *store.Store, account string, n int) {
	b.Helper()
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				body := fmt.Appendf(nil, "From: a@example.org\r\nSubject: %d\r\n\r\nbody %d\r\n", i, i)
				if _, err := st.Append(ctx, account, store.Inbox, body, store.FlagSeen, nil, time.Time{}, store.Quota{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("Append: %v", err)
	}
}

// countFetch sends a FETCH and counts its untagged FETCH responses whose
// items start with prefix, without keeping the lines; any other line
// before the tagged OK fails.
func (c *client) countFetch(cmd, prefix string) int {
	c.t.Helper()
	c.tag++
	tag := fmt.Appendf(nil, "a%d ", c.tag)
	c.write(string(tag) + cmd + "\r\n")
	n := 0
	for {
		l, err := c.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			c.t.Fatalf("%s: line longer than %d bytes", cmd, c.br.Size())
		}
		if err != nil {
			c.t.Fatalf("%s: %v", cmd, fmtEOF(err))
		}
		if bytes.HasPrefix(l, tag) {
			if !bytes.HasPrefix(l[len(tag):], []byte("OK")) {
				c.t.Fatalf("%s: %q", cmd, l)
			}
			return n
		}
		_, rest, ok := bytes.Cut(l, []byte(" FETCH "))
		if !ok || !bytes.HasPrefix(l, []byte("* ")) || !bytes.HasPrefix(rest, []byte(prefix)) {
			c.t.Fatalf("%s: unexpected %q", cmd, l)
		}
		n++
	}
}

func fmtEOF(err error) error {
	if err == io.EOF {
		return net.ErrClosed
	}
	return err
}
