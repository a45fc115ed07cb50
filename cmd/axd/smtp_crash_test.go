package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/textproto"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/mailtest"
	"github.com/axmail/axmail/internal/store"
)

// crashKills is how many times TestSMTPCrashSIGKILL kills axd under load.
const crashKills = 5

// TestSMTPCrashSIGKILL kills axd with SIGKILL several times while
// Postfix's smtp-source and a client of the test's own send to it, and
// restarts it on the same data dir each time. A counting proxy between
// smtp-source and axd sees every 250 that axd gives at the end of DATA;
// the test's client numbers its messages and records which got a 250.
// After the last restart, every recorded message is in its mailbox
// exactly once (and no message twice), the smtp-source account holds at
// least as many messages as axd acknowledged to it, and axcompact check
// finds nothing wrong.
func TestSMTPCrashSIGKILL(t *testing.T) {
	source := mailtest.Tool(t, "smtp-source", "postfix")
	dir := t.TempDir()
	addr := freeLoopbackAddr(t)
	env := []string{"AXD_LISTENERS_SMTP_LISTEN=" + addr}
	start := func() *mailtest.Daemon {
		d := mailtest.Start(t, mailtest.Options{DataDir: dir, Env: env})
		waitDial(t, addr, d)
		return d
	}
	d := start()
	ctx := context.Background()
	c := d.Client()
	if _, err := c.AddDomain(ctx, control.DomainRequest{Name: "crash.test"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"load@crash.test", "mine@crash.test"} {
		if _, err := c.AddAccount(ctx, control.AccountRequest{Email: a}); err != nil {
			t.Fatal(err)
		}
	}
	proxy := startCountingProxy(t, addr)
	mine := &numberedClient{addr: addr, rcpt: "mine@crash.test"}

	for round := range crashKills {
		before, beforeMine := proxy.acked.Load(), mine.ackedCount()
		loadCtx, stopLoad := context.WithCancel(ctx)
		src := startSmtpSource(loadCtx, t, source, proxy.addr)
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { mine.run(loadCtx) })
		}
		// Kill under load: once both clients had some messages
		// acknowledged in this round, at a random moment after.
		deadline := time.Now().Add(8 * time.Second)
		for (proxy.acked.Load() < before+20 || mine.ackedCount() < beforeMine+10) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if proxy.acked.Load() == before || mine.ackedCount() == beforeMine {
			t.Fatalf("round %d: no message acknowledged in 8 s (smtp-source %d, own client %d)\n%s\n%s",
				round, proxy.acked.Load()-before, mine.ackedCount()-beforeMine, src.stderr(), d.Log())
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		if err := src.exitedEarly(); err != nil {
			t.Fatalf("round %d: smtp-source failed while axd ran: %v\n%s", round, err, src.stderr())
		}
		d.Signal(t, syscall.SIGKILL)
		d.Wait(t, 10*time.Second)
		stopLoad()
		wg.Wait()
		src.wait()
		t.Logf("round %d: smtp-source got %d 250s, own client %d", round, proxy.acked.Load()-before, mine.ackedCount()-beforeMine)
		d = start()
	}
	d.Stop(t)

	acked := mine.ackedSet()
	s, err := store.Open(store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	seen := messageSeqs(t, s, "mine@crash.test")
	loadStored := len(messageSeqs(t, s, "load@crash.test"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var stored int
	for n, k := range seen {
		if n >= 0 {
			stored += k
		}
		if k > 1 {
			t.Errorf("message %d stored %d times", n, k)
		}
	}
	for n := range acked {
		if seen[n] != 1 {
			t.Errorf("message %d got a 250 but is stored %d times", n, seen[n])
		}
	}
	if loadStored < int(proxy.acked.Load()) {
		t.Errorf("load@crash.test holds %d messages, but axd gave smtp-source %d 250s", loadStored, proxy.acked.Load())
	}
	t.Logf("own client: %d acknowledged, %d stored (%d sent); smtp-source: %d acknowledged, %d stored",
		len(acked), stored, mine.next.Load(), proxy.acked.Load(), loadStored)
	out, errOut, code := mailtest.Run(t, "", "axcompact", "check", "--data-dir", dir, "--json")
	if code != 0 {
		t.Fatalf("axcompact check = %d\n%s\n%s", code, out, errOut)
	}
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port free now;
// axd takes it again after every restart.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitDial waits until axd's SMTP listener accepts.
func waitDial(t *testing.T, addr string, d *mailtest.Daemon) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("axd does not listen on %s: %v\n%s", addr, err, d.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sourceRun is one smtp-source process.
type sourceRun struct {
	cmd  *exec.Cmd
	errb *syncBuf
	done chan error
}

// startSmtpSource runs smtp-source with 4 sessions and no bound but ctx
// (which kills it) and the kill of axd (which makes it exit).
func startSmtpSource(ctx context.Context, t *testing.T, path, addr string) *sourceRun {
	t.Helper()
	cmd := exec.CommandContext(ctx, path, "-4", "-s", "4", "-m", "1000000", "-l", "4096",
		"-M", "crash.client", "-f", "src@crash.client", "-t", "load@crash.test", addr)
	r := &sourceRun{cmd: cmd, errb: &syncBuf{}, done: make(chan error, 1)}
	cmd.Stderr = r.errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- cmd.Wait() }()
	return r
}

// exitedEarly returns smtp-source's error if it exited already.
func (r *sourceRun) exitedEarly() error {
	select {
	case err := <-r.done:
		r.done <- err
		if err == nil {
			return errors.New("exited with status 0")
		}
		return err
	default:
		return nil
	}
}

func (r *sourceRun) wait()          { <-r.done }
func (r *sourceRun) stderr() string { return r.errb.String() }

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// countingProxy relays connections to axd and counts the 250 replies to
// the end of DATA that axd sends: the messages it promised to keep.
type countingProxy struct {
	addr  string
	acked atomic.Int64
}

func startCountingProxy(t *testing.T, upstream string) *countingProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{addr: l.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { p.relay(c, upstream) })
		}
	})
	return p
}

func (p *countingProxy) relay(client net.Conn, upstream string) {
	defer client.Close()
	server, err := net.DialTimeout("tcp", upstream, 5*time.Second)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		_, _ = io.Copy(server, client)
		server.Close()
	}()
	// smtp-source does not pipeline: after a 354 the next reply is the
	// one to the end of the message.
	r := bufio.NewReader(io.TeeReader(server, client))
	afterData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if len(line) < 4 || line[3] == '-' {
			continue // not the last line of a reply
		}
		switch {
		case strings.HasPrefix(line, "354"):
			afterData = true
		case afterData:
			if strings.HasPrefix(line, "250") {
				p.acked.Add(1)
			}
			afterData = false
		}
	}
}

// numberedClient sends messages numbered uniquely across all its
// connections and rounds, each number once, and records those that got a
// 250 at the end of DATA.
type numberedClient struct {
	addr, rcpt string
	next       atomic.Int64
	mu         sync.Mutex
	acked      map[int64]bool
}

func (n *numberedClient) ackedCount() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.acked)
}

func (n *numberedClient) ackedSet() map[int64]bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make(map[int64]bool, len(n.acked))
	for k := range n.acked {
		out[k] = true
	}
	return out
}

// run sends until ctx ends, reconnecting after any failure.
func (n *numberedClient) run(ctx context.Context) {
	for ctx.Err() == nil {
		if err := n.session(ctx); err != nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func (n *numberedClient) session(ctx context.Context) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", n.addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	c := textproto.NewConn(nc)
	if _, _, err := c.ReadResponse(220); err != nil {
		return err
	}
	if err := crashCmd(c, 250, "EHLO crash.client"); err != nil {
		return err
	}
	for ctx.Err() == nil {
		seq := n.next.Add(1) - 1
		if err := crashCmd(c, 250, "MAIL FROM:<mine@crash.client>"); err != nil {
			return err
		}
		if err := crashCmd(c, 250, "RCPT TO:<%s>", n.rcpt); err != nil {
			return err
		}
		if err := crashCmd(c, 354, "DATA"); err != nil {
			return err
		}
		dw := c.DotWriter()
		fmt.Fprintf(dw, "From: <mine@crash.client>\r\nTo: <%s>\r\nSubject: crash %d\r\nX-Crash-Seq: %d\r\n\r\n%s\r\n",
			n.rcpt, seq, seq, strings.Repeat("payload line of a numbered message\r\n", 60))
		if err := dw.Close(); err != nil {
			return err
		}
		if _, _, err := c.ReadResponse(250); err != nil {
			return err
		}
		n.mu.Lock()
		if n.acked == nil {
			n.acked = make(map[int64]bool)
		}
		n.acked[seq] = true
		n.mu.Unlock()
	}
	return nil
}

func crashCmd(c *textproto.Conn, want int, format string, args ...any) error {
	if err := c.PrintfLine(format, args...); err != nil {
		return err
	}
	_, _, err := c.ReadResponse(want)
	return err
}

var crashSeq = regexp.MustCompile(`(?m)^X-Crash-Seq: (\d+)\r?$`)

// messageSeqs reads every message of an account's INBOX and counts them
// by X-Crash-Seq; messages without one (smtp-source's) count under -1-i.
func messageSeqs(t *testing.T, s *store.Store, account string) map[int64]int {
	t.Helper()
	mb, err := s.GetMailbox(account, "INBOX")
	if err != nil {
		t.Fatalf("%s INBOX: %v", account, err)
	}
	var infos []store.MessageInfo
	if err := s.Messages(mb.ID, 1, math.MaxUint32, func(m store.MessageInfo) error {
		infos = append(infos, m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	seen := make(map[int64]int)
	for i, m := range infos {
		r, err := s.OpenMessage(m.GUID)
		if err != nil {
			t.Fatalf("%s uid %d: %v", account, m.UID, err)
		}
		body, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s uid %d: %v", account, m.UID, err)
		}
		if int64(len(body)) != m.Size {
			t.Errorf("%s uid %d: %d bytes, index says %d", account, m.UID, len(body), m.Size)
		}
		match := crashSeq.FindSubmatch(body)
		if match == nil {
			seen[int64(-1-i)]++
			continue
		}
		n, err := strconv.ParseInt(string(match[1]), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seen[n]++
	}
	return seen
}
