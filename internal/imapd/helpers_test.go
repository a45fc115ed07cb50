package imapd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/mailtest"
	"github.com/axmail/axmail/internal/store"
	"github.com/axmail/axmail/internal/storeconf"
)

// Fixture accounts and their passwords.
const (
	alice = "alice@example.org"
	bob   = "bob@example.org"
	dave  = "dave@example.org" // disabled
	paul  = "paul@example.org" // POP3 only
	tiny  = "tiny@example.org" // quota 2 KiB, max message 4 KiB
)

var passwords = map[string]string{alice: "alice-pw", bob: "bob-pw", dave: "dave-pw", paul: "paul-pw", tiny: "tiny-pw"}

// testEnv is a real server on 127.0.0.1:0 over a real store and directory
// in t.TempDir().
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

func ptr64(v int64) *int64 { return &v }

// newEnv starts a server with opts (Store, Directory, Authenticate and
// Logger filled in) over the fixture directory; wrap, if given, wraps its
// listener (a listener.Listener, TLS).
func newEnv(t testing.TB, opts Options, wrap ...func(net.Listener) net.Listener) *testEnv {
	t.Helper()
	e := &testEnv{t: t, logs: &syncBuffer{}}
	st, err := store.Open(store.Options{DataDir: t.TempDir(), Summarize: storeconf.Summarize})
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
	ctx := context.Background()
	if _, err := dir.AddDomain(ctx, "example.org", directory.Settings{}); err != nil {
		t.Fatal(err)
	}
	disabled, pop := false, directory.ServicePOP3
	for _, a := range []directory.Account{
		{Email: alice}, {Email: bob},
		{Email: dave, Settings: directory.Settings{Enabled: &disabled}},
		{Email: paul, Settings: directory.Settings{Services: &pop}},
		{Email: tiny, Settings: directory.Settings{QuotaBytes: ptr64(2048), MaxMessageSize: ptr64(4096)}},
	} {
		if _, err := dir.AddAccount(ctx, a); err != nil {
			t.Fatalf("AddAccount %s: %v", a.Email, err)
		}
	}
	opts.Store, opts.Directory = st, dir
	opts.Authenticate = func(ctx context.Context, username string, password []byte) (string, error) {
		a, err := dir.GetAccount(username)
		if err != nil {
			return "", auth.ErrBadCredentials
		}
		if pw, ok := passwords[a.Email]; !ok || pw != string(password) {
			return "", auth.ErrBadCredentials
		}
		return a.Email, nil
	}
	opts.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range wrap {
		l = w(l)
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
		if t.Failed() || testing.Verbose() {
			t.Logf("server log:\n%s", e.logs.String())
		}
	})
	return e
}

// client is a raw IMAP client: it writes lines and reads responses,
// literals included, for exact checks of what the server says.
type client struct {
	t   testing.TB
	c   net.Conn
	br  *bufio.Reader
	tag int
	// Greeting is the server's first line.
	greeting string
}

func (e *testEnv) dial() *client {
	e.t.Helper()
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		e.t.Fatalf("Dial: %v", err)
	}
	e.t.Cleanup(func() { c.Close() })
	cl := &client{t: e.t, c: c, br: bufio.NewReaderSize(c, 1<<16)}
	cl.deadline()
	cl.greeting = cl.line()
	if !strings.HasPrefix(cl.greeting, "* OK ") {
		e.t.Fatalf("greeting = %q", cl.greeting)
	}
	return cl
}

// login dials and logs in as account.
func (e *testEnv) login(account string) *client {
	e.t.Helper()
	c := e.dial()
	c.ok("LOGIN %s %s", account, passwords[account])
	return c
}

func (c *client) deadline() { _ = c.c.SetDeadline(time.Now().Add(20 * time.Second)) }

func (c *client) write(s string) {
	c.t.Helper()
	c.deadline()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatalf("write %q: %v", s, err)
	}
}

var literalRE = regexp.MustCompile(`~?\{(\d+)\+?\}\r\n$`)

// line reads one response line with its literals inlined; "" at EOF.
func (c *client) line() string {
	c.t.Helper()
	var out strings.Builder
	for {
		l, err := c.br.ReadString('\n')
		out.WriteString(l)
		if err != nil {
			return out.String()
		}
		m := literalRE.FindStringSubmatch(l)
		if m == nil {
			return strings.TrimSuffix(out.String(), "\r\n")
		}
		n, _ := strconv.Atoi(m[1])
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.br, buf); err != nil {
			c.t.Fatalf("read literal of %d: %v", n, err)
		}
		out.Write(buf)
	}
}

// do sends a command and returns the untagged lines and the tagged one.
func (c *client) do(format string, args ...any) (untagged []string, tagged string) {
	c.t.Helper()
	c.tag++
	tag := fmt.Sprintf("a%d", c.tag)
	c.write(tag + " " + fmt.Sprintf(format, args...) + "\r\n")
	return c.until(tag)
}

func (c *client) until(tag string) (untagged []string, tagged string) {
	c.t.Helper()
	for {
		l := c.line()
		if l == "" {
			c.t.Fatalf("connection closed waiting for %s; got %q", tag, untagged)
		}
		if strings.HasPrefix(l, tag+" ") {
			return untagged, strings.TrimPrefix(l, tag+" ")
		}
		untagged = append(untagged, l)
	}
}

// ok runs a command that must succeed and returns its untagged lines.
func (c *client) ok(format string, args ...any) []string {
	c.t.Helper()
	u, tagged := c.do(format, args...)
	if !strings.HasPrefix(tagged, "OK") {
		c.t.Fatalf("%s: %s (untagged %q)", fmt.Sprintf(format, args...), tagged, u)
	}
	return u
}

// expect runs a command whose tagged reply must start with want.
func (c *client) expect(want string, format string, args ...any) []string {
	c.t.Helper()
	u, tagged := c.do(format, args...)
	if !strings.HasPrefix(tagged, want) {
		c.t.Fatalf("%s = %q, want %q...", fmt.Sprintf(format, args...), tagged, want)
	}
	return u
}

// appendMsg APPENDs body to mailbox with a synchronizing literal and
// returns the tagged reply.
func (c *client) appendMsg(mailbox, flags string, body []byte) string {
	c.t.Helper()
	c.tag++
	tag := fmt.Sprintf("a%d", c.tag)
	if flags != "" {
		flags += " "
	}
	c.write(fmt.Sprintf("%s APPEND %s %s{%d}\r\n", tag, mailbox, flags, len(body)))
	l := c.line()
	if !strings.HasPrefix(l, "+") {
		if strings.HasPrefix(l, tag+" ") {
			return strings.TrimPrefix(l, tag+" ")
		}
		c.t.Fatalf("APPEND: got %q, want continuation", l)
	}
	c.write(string(body) + "\r\n")
	_, tagged := c.until(tag)
	return tagged
}

// hasLine reports whether one of lines contains every part.
func hasLine(lines []string, parts ...string) bool {
next:
	for _, l := range lines {
		for _, p := range parts {
			if !strings.Contains(l, p) {
				continue next
			}
		}
		return true
	}
	return false
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// runPython runs a Python imaplib script against e with host and port (and
// args) as its arguments, and decodes the JSON object it prints.
func runPython(t *testing.T, e *testEnv, script string, args ...string) map[string]any {
	t.Helper()
	py := mailtest.Tool(t, "python3", "python3")
	host, port, _ := net.SplitHostPort(e.addr)
	cmd := exec.Command(py, append([]string{"-c", script, host, port}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 imaplib client: %v\n%s", err, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("client output %q: %v", outb, err)
	}
	return got
}

// jsonOf is the JSON of got[key], for comparisons with expected text.
func jsonOf(got map[string]any, key string) string {
	b, _ := json.Marshal(got[key])
	return string(b)
}
