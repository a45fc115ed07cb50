package smtpd

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/mailtest"
	"github.com/axmail/axmail/internal/queue"
	"github.com/axmail/axmail/internal/store"
)

// testEnv is a real server on 127.0.0.1:0 over a real store and directory
// in t.TempDir().
type testEnv struct {
	t    testing.TB
	st   *store.Store
	dir  *directory.Directory
	srv  *Server
	addr string
	logs *syncBuffer
	q    *queue.Queue // with withQueue
	tls  *tls.Config  // the client's, with withTLS or withImplicitTLS
}

// envOption adds to a test server: AUTH, TLS, a queue, a listener.
type envOption struct {
	opts func(e *testEnv, o *Options)
	wrap func(e *testEnv, l net.Listener) net.Listener
}

// syncBuffer holds the server's log.
type syncBuffer = mailtest.Buffer

func ptr[T any](v T) *T { return &v }

// Fixture addresses. example.org holds the accounts and aliases;
// catch.test has only a catch-all.
const (
	alice = "alice@example.org"
	bob   = "bob@example.org"
	full  = "full@example.org"  // QuotaMessages 1
	small = "small@example.org" // MaxMessageSize 1024
	dave  = "dave@example.org"  // disabled
	erin  = "erin@example.org"  // IMAP only
	carol = "carol@catch.test"  // the catch-all's target
)

// newEnv starts a server with opts (Store and Directory filled in) over a
// fresh fixture directory.
func newEnv(t testing.TB, opts Options, with ...envOption) *testEnv {
	t.Helper()
	e := &testEnv{t: t, logs: &syncBuffer{}}
	st, err := store.Open(store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	dir, err := directory.Open(directory.Options{Path: t.TempDir() + "/" + directory.FileName})
	if err != nil {
		t.Fatalf("directory.Open: %v", err)
	}
	t.Cleanup(func() { dir.Close() })
	e.st, e.dir = st, dir
	e.fixture()

	opts.Store, opts.Directory = st, dir
	if opts.Hostname == "" {
		opts.Hostname = "mx.example.org"
	}
	opts.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, w := range with {
		if w.opts != nil {
			w.opts(e, &opts)
		}
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var l net.Listener
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range with {
		if w.wrap != nil {
			l = w.wrap(e, l)
		}
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	e.srv, e.addr = srv, l.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, ErrServerClosed) {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", e.logs.String())
		}
	})
	return e
}

func (e *testEnv) fixture() {
	ctx := context.Background()
	must := func(what string, err error) {
		if err != nil {
			e.t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := e.dir.AddDomain(ctx, "example.org", directory.Settings{})
	must("AddDomain", err)
	_, err = e.dir.AddDomain(ctx, "catch.test", directory.Settings{})
	must("AddDomain", err)
	for _, a := range []directory.Account{
		{Email: alice},
		{Email: bob},
		{Email: full, Settings: directory.Settings{QuotaMessages: ptr(int64(1))}},
		{Email: small, Settings: directory.Settings{MaxMessageSize: ptr(int64(1024))}},
		{Email: dave, Settings: directory.Settings{Enabled: ptr(false)}},
		{Email: erin, Settings: directory.Settings{Services: ptr(directory.ServiceIMAP)}},
		{Email: carol},
	} {
		_, err := e.dir.AddAccount(ctx, a)
		must("AddAccount "+a.Email, err)
	}
	for alias, targets := range map[string][]string{
		"team@example.org":  {alice, bob},
		"mixed@example.org": {alice, "someone@remote.test"},
		"half@example.org":  {alice, dave},
		"@catch.test":       {carol},
	} {
		_, err := e.dir.AddAlias(ctx, alias, targets...)
		must("AddAlias "+alias, err)
	}
}

// storedMsg is a message as the store holds it in a mailbox.
type storedMsg struct {
	guid store.GUID
	body []byte
}

// inbox returns the messages in an account's INBOX, none if it has none.
func (e *testEnv) inbox(account string) []storedMsg {
	e.t.Helper()
	mb, err := e.st.GetMailbox(account, store.Inbox)
	if errors.Is(err, store.ErrNoMailbox) {
		return nil
	}
	if err != nil {
		e.t.Fatalf("GetMailbox(%s): %v", account, err)
	}
	var infos []store.MessageInfo
	if err := e.st.Messages(mb.ID, 1, math.MaxUint32, func(mi store.MessageInfo) error {
		infos = append(infos, mi)
		return nil
	}); err != nil {
		e.t.Fatalf("Messages(%s): %v", account, err)
	}
	var out []storedMsg
	for _, mi := range infos {
		r, err := e.st.OpenMessage(mi.GUID)
		if err != nil {
			e.t.Fatalf("OpenMessage: %v", err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			e.t.Fatalf("read message: %v", err)
		}
		out = append(out, storedMsg{mi.GUID, b})
	}
	return out
}

// waitIdle waits until the server has no session left, so that what a
// closed connection did is over.
func (e *testEnv) waitIdle() {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		e.srv.mu.Lock()
		n := len(e.srv.sessions)
		e.srv.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatal("sessions still open after 5s")
}

// sendResult is what a client saw of one transaction with net/smtp.
type sendResult struct {
	rcpt []error // per recipient, nil when accepted
	data error   // the DATA reply, nil for 250
}

// send runs one transaction with Go's net/smtp client.
func (e *testEnv) send(from string, rcpts []string, body string) sendResult {
	e.t.Helper()
	c, err := smtp.Dial(e.addr)
	if err != nil {
		e.t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if err := c.Hello("client.example.net"); err != nil {
		e.t.Fatalf("EHLO: %v", err)
	}
	if err := c.Mail(from); err != nil {
		e.t.Fatalf("MAIL: %v", err)
	}
	var res sendResult
	ok := 0
	for _, r := range rcpts {
		err := c.Rcpt(r)
		res.rcpt = append(res.rcpt, err)
		if err == nil {
			ok++
		}
	}
	if ok == 0 {
		return res
	}
	w, err := c.Data()
	if err != nil {
		e.t.Fatalf("DATA: %v", err)
	}
	if _, err := io.WriteString(w, body); err != nil {
		e.t.Fatalf("write DATA: %v", err)
	}
	res.data = w.Close()
	if err := c.Quit(); err != nil {
		e.t.Fatalf("QUIT: %v", err)
	}
	return res
}

// code returns "550 5.1.1" for a net/smtp error, "250" for nil.
func code(err error) string {
	if err == nil {
		return "250"
	}
	var te *textproto.Error
	if !errors.As(err, &te) {
		return "error: " + err.Error()
	}
	enh, _, _ := strings.Cut(te.Msg, " ")
	return strings.TrimSpace(strconv.Itoa(te.Code) + " " + enh)
}

// rawConn is a client that writes raw bytes and reads replies, for
// malformed input and LMTP.
type rawConn struct {
	t  testing.TB
	c  net.Conn
	tp *textproto.Reader
}

func (e *testEnv) dialRaw() *rawConn {
	e.t.Helper()
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		e.t.Fatalf("Dial: %v", err)
	}
	e.t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	rc := &rawConn{t: e.t, c: c, tp: textproto.NewReader(bufio.NewReader(c))}
	if got := rc.reply(); !strings.HasPrefix(got, "220 ") {
		e.t.Fatalf("greeting = %q", got)
	}
	return rc
}

func (rc *rawConn) write(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatalf("write %q: %v", s, err)
	}
}

// reply reads one reply, multi-line ones joined by "\n"; "" after EOF.
func (rc *rawConn) reply() string {
	rc.t.Helper()
	var lines []string
	for {
		l, err := rc.tp.ReadLine()
		if err != nil {
			return strings.Join(lines, "\n")
		}
		lines = append(lines, l)
		if len(l) < 4 || l[3] != '-' {
			return strings.Join(lines, "\n")
		}
	}
}

// cmd writes a line and returns the reply.
func (rc *rawConn) cmd(line string) string {
	rc.t.Helper()
	rc.write(line)
	return rc.reply()
}
