package imapserver_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

const (
	harnessUser     = "test-user"
	harnessPassword = "test-password"
	// harnessAppendLimit is the APPENDLIMIT of harness sessions.
	harnessAppendLimit = 1000
)

// harnessSession is an imapmemserver session with the optional
// interfaces under test: QUOTA, ID and APPENDLIMIT.
type harnessSession struct {
	imapserver.Session

	mu       sync.Mutex
	clientID *imap.IDData // what the last ID command sent
	idCalls  int
}

func (s *harnessSession) AppendLimit() uint32 { return harnessAppendLimit }

func (s *harnessSession) QuotaResources() []imap.QuotaResourceType {
	return []imap.QuotaResourceType{imap.QuotaResourceStorage, imap.QuotaResourceMessage}
}

func (s *harnessSession) GetQuota(root string) (*imapserver.QuotaData, error) {
	if root != "" {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "No such quota root"}
	}
	return &imapserver.QuotaData{Root: "", Resources: map[imap.QuotaResourceType]imapserver.QuotaResourceData{
		imap.QuotaResourceStorage: {Usage: 5, Limit: 100},
		imap.QuotaResourceMessage: {Usage: 1, Limit: 10},
	}}, nil
}

func (s *harnessSession) GetQuotaRoot(mailbox string) ([]string, []*imapserver.QuotaData, error) {
	if mailbox != "INBOX" {
		return nil, nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "No such mailbox"}
	}
	q, err := s.GetQuota("")
	return []string{""}, []*imapserver.QuotaData{q}, err
}

func (s *harnessSession) ID(clientID *imap.IDData) *imap.IDData {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clientID = clientID
	s.idCalls++
	return &imap.IDData{Name: "harness", Vendor: "axmail test"}
}

func (s *harnessSession) lastID() (*imap.IDData, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clientID, s.idCalls
}

// harness is an imapserver on 127.0.0.1:0 whose sessions are
// harnessSessions.
type harness struct {
	t    *testing.T
	addr string

	mu       sync.Mutex
	sessions []*harnessSession
}

func newHarness(t *testing.T, caps imap.CapSet) *harness {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(harnessUser, harnessPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)

	h := &harness{t: t}
	server := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			s := &harnessSession{Session: mem.NewSession()}
			h.mu.Lock()
			h.sessions = append(h.sessions, s)
			h.mu.Unlock()
			return s, nil, nil
		},
		InsecureAuth: true,
		Caps:         caps,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		server.Serve(ln)
	}()
	t.Cleanup(func() {
		server.Close()
		<-done
	})
	return h
}

func (h *harness) session(i int) *harnessSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions[i]
}

// harnessConn is a raw client: it writes lines and reads response lines.
type harnessConn struct {
	t   *testing.T
	c   net.Conn
	br  *bufio.Reader
	tag int
}

func (h *harness) dial() *harnessConn {
	h.t.Helper()
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	hc := &harnessConn{t: h.t, c: c, br: bufio.NewReader(c)}
	if g := hc.line(); !strings.HasPrefix(g, "* OK ") {
		h.t.Fatalf("greeting = %q", g)
	}
	return hc
}

func (h *harness) login() *harnessConn {
	c := h.dial()
	c.ok("LOGIN %s %s", harnessUser, harnessPassword)
	return c
}

func (c *harnessConn) write(s string) {
	c.t.Helper()
	c.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// line reads a response line without its CRLF; "" at EOF.
func (c *harnessConn) line() string {
	c.t.Helper()
	c.c.SetDeadline(time.Now().Add(10 * time.Second))
	l, err := c.br.ReadString('\n')
	if err != nil && l == "" {
		return ""
	}
	return strings.TrimRight(l, "\r\n")
}

// do sends a command and returns its untagged lines and the tagged reply
// without the tag.
func (c *harnessConn) do(format string, args ...any) (untagged []string, tagged string) {
	c.t.Helper()
	c.tag++
	tag := fmt.Sprintf("t%d", c.tag)
	c.write(tag + " " + fmt.Sprintf(format, args...) + "\r\n")
	return c.until(tag)
}

func (c *harnessConn) until(tag string) (untagged []string, tagged string) {
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

func (c *harnessConn) ok(format string, args ...any) []string {
	c.t.Helper()
	u, tagged := c.do(format, args...)
	if !strings.HasPrefix(tagged, "OK") {
		c.t.Fatalf("%s = %q, want OK", fmt.Sprintf(format, args...), tagged)
	}
	return u
}
