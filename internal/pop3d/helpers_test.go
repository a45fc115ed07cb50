package pop3d

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/mailtest"
	"github.com/axmail/axmail/internal/store"
)

// testEnv is a real server on 127.0.0.1:0 over a real store and directory
// in t.TempDir(), with passwords checked by a real auth.Login.
type testEnv struct {
	t    testing.TB
	st   *store.Store
	dir  *directory.Directory
	srv  *Server
	addr string
	logs *syncBuffer
}

// syncBuffer holds the server's log.
type syncBuffer = mailtest.Buffer

func ptr[T any](v T) *T { return &v }

// Fixture accounts; every password is the local part + "-secret".
const (
	alice = "alice@example.org"
	bob   = "bob@example.org"
	dave  = "dave@example.org"  // disabled
	erin  = "erin@example.org"  // IMAP only
	ivan  = "ivan@example.org"  // idle timeout 300ms
	empty = "empty@example.org" // no INBOX in the store
	frank = "frank@example.org" // activity timeout 500ms
)

func password(account string) string {
	local, _, _ := strings.Cut(account, "@")
	return local + "-secret"
}

// envOptions are what a test may change of the server and its listener.
type envOptions struct {
	opts Options
	// listener wraps the TCP listener in a listener.Listener with these
	// options when set, so that sessions have its Guard and timeouts.
	listener *listener.Options
}

// newEnv starts a server over a fresh fixture.
func newEnv(t testing.TB, eo envOptions) *testEnv {
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
	login := e.fixture()

	opts := eo.opts
	opts.Store, opts.Directory = st, dir
	opts.Authenticate = login.Check
	if opts.Hostname == "" {
		opts.Hostname = "pop.example.org"
	}
	opts.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var l net.Listener
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if eo.listener != nil {
		if l, err = listener.New(l, *eo.listener); err != nil {
			t.Fatalf("listener.New: %v", err)
		}
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	e.srv, e.addr = srv, l.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
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

// loginAccounts lets auth.Login read passwords from the directory, as
// the daemon's adapter does.
type loginAccounts struct{ dir *directory.Directory }

func (a loginAccounts) PasswordHash(addr string) (string, string, bool, error) {
	acct, err := a.dir.GetAccount(addr)
	if err != nil {
		return "", "", false, err
	}
	eff, err := a.dir.Effective(acct.Email)
	if err != nil {
		return "", "", false, err
	}
	return acct.Email, string(acct.PasswordHash), eff.Enabled, nil
}

func (a loginAccounts) SetPasswordHash(ctx context.Context, email, hash string) error {
	return a.dir.SetPassword(ctx, email, directory.PasswordHash(hash))
}

func (e *testEnv) fixture() *auth.Login {
	ctx := context.Background()
	must := func(what string, err error) {
		if err != nil {
			e.t.Fatalf("%s: %v", what, err)
		}
	}
	// A cheap argon2id: the tests check logins, not the hash's cost.
	h, err := auth.NewHasher(auth.Options{Argon2MemoryKiB: 64})
	must("NewHasher", err)
	_, err = e.dir.AddDomain(ctx, "example.org", directory.Settings{})
	must("AddDomain", err)
	for _, a := range []directory.Account{
		{Email: alice},
		{Email: bob},
		{Email: dave, Settings: directory.Settings{Enabled: ptr(false)}},
		{Email: erin, Settings: directory.Settings{Services: ptr(directory.ServiceIMAP)}},
		{Email: ivan, Settings: directory.Settings{IdleTimeout: ptr(300 * time.Millisecond)}},
		{Email: empty},
		{Email: frank, Settings: directory.Settings{ActivityTimeout: ptr(500 * time.Millisecond)}},
	} {
		hash, err := h.Hash([]byte(password(a.Email)))
		must("Hash", err)
		a.PasswordHash = directory.PasswordHash(hash)
		_, err = e.dir.AddAccount(ctx, a)
		must("AddAccount "+a.Email, err)
	}
	return &auth.Login{Hasher: h, Accounts: loginAccounts{e.dir}}
}

// deliver stores body into account's INBOX and returns its UID.
func (e *testEnv) deliver(account, body string) uint32 {
	e.t.Helper()
	_, placed, err := e.st.Deliver(context.Background(), []byte(body), store.Delivery{Targets: []store.Target{{Account: account}}})
	if err != nil || len(placed) != 1 || placed[0].Err != nil {
		e.t.Fatalf("Deliver to %s: %v %+v", account, err, placed)
	}
	return placed[0].UID
}

// inboxUIDs returns the UIDs in account's INBOX.
func (e *testEnv) inboxUIDs(account string) []uint32 {
	e.t.Helper()
	mb, err := e.st.GetMailbox(account, store.Inbox)
	if errors.Is(err, store.ErrNoMailbox) {
		return nil
	}
	if err != nil {
		e.t.Fatalf("GetMailbox(%s): %v", account, err)
	}
	var uids []uint32
	if err := e.st.Messages(mb.ID, 1, math.MaxUint32, func(mi store.MessageInfo) error {
		uids = append(uids, mi.UID)
		return nil
	}); err != nil {
		e.t.Fatalf("Messages(%s): %v", account, err)
	}
	return uids
}

// waitIdle waits until the server has no session left, so that what a
// closed connection did (or did not do) is over.
func (e *testEnv) waitIdle() {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		e.srv.mu.Lock()
		n := len(e.srv.sessions)
		e.srv.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatal("sessions still open after 10s")
}

// rawConn writes raw bytes and reads replies, for malformed input.
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
	rc := newRawConn(e.t, c)
	if got := rc.line(); !strings.HasPrefix(got, "+OK ") {
		e.t.Fatalf("greeting = %q", got)
	}
	return rc
}

func newRawConn(t testing.TB, c net.Conn) *rawConn {
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawConn{t: t, c: c, tp: textproto.NewReader(bufio.NewReader(c))}
}

func (rc *rawConn) write(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatalf("write %q: %v", s, err)
	}
}

// line reads one reply line; "EOF" after the server closed.
func (rc *rawConn) line() string {
	rc.t.Helper()
	l, err := rc.tp.ReadLine()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return "EOF"
		}
		return "error: " + err.Error()
	}
	return l
}

// multi reads the body of a multi-line reply up to ".", un-stuffed, each
// line ending in CRLF as sent.
func (rc *rawConn) multi() string {
	rc.t.Helper()
	var b strings.Builder
	for {
		l, err := rc.tp.R.ReadString('\n')
		if err != nil {
			rc.t.Fatalf("multi-line reply cut short after %q: %v", b.String(), err)
		}
		if !strings.HasSuffix(l, "\r\n") {
			rc.t.Fatalf("line %q does not end in CRLF", l)
		}
		if l == ".\r\n" {
			return b.String()
		}
		b.WriteString(strings.TrimPrefix(l, "."))
	}
}

// cmd writes a command line (CRLF added) and returns the first reply line.
func (rc *rawConn) cmd(line string) string {
	rc.t.Helper()
	rc.write(line + "\r\n")
	return rc.line()
}

// login logs in with USER/PASS and fails the test otherwise.
func (rc *rawConn) login(account string) {
	rc.t.Helper()
	if got := rc.cmd("USER " + account); !strings.HasPrefix(got, "+OK") {
		rc.t.Fatalf("USER = %q", got)
	}
	if got := rc.cmd("PASS " + password(account)); !strings.HasPrefix(got, "+OK") {
		rc.t.Fatalf("PASS = %q", got)
	}
}

// closed reports whether the server has closed the connection: EOF, or
// a reset when it closed with client input unread.
func (rc *rawConn) closed() bool {
	rc.t.Helper()
	_ = rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := rc.tp.R.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func sleepMs(n int) { time.Sleep(time.Duration(n) * time.Millisecond) }

func netipLoopback() netip.Addr { return netip.MustParseAddr("127.0.0.1") }

// waitLog waits until the server has logged msg.
func (e *testEnv) waitLog(msg string) {
	e.t.Helper()
	for range 2000 {
		if strings.Contains(e.logs.String(), `msg="`+msg+`"`) {
			return
		}
		sleepMs(5)
	}
	e.t.Fatalf("no %q in the server log", msg)
}
