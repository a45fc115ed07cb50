package imapd

import (
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/listener"
)

func TestLoginAndDefaultMailboxes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.dial()
	if !strings.Contains(c.greeting, "AUTH=PLAIN") || strings.Contains(c.greeting, "LOGINDISABLED") {
		t.Errorf("greeting from loopback = %q, want AUTH=PLAIN and no LOGINDISABLED", c.greeting)
	}
	c.expect("NO [AUTHENTICATIONFAILED]", "LOGIN %s wrong", alice)
	u := c.ok("LOGIN %s %s", alice, passwords[alice])
	_ = u
	caps := strings.Join(c.ok("CAPABILITY"), " ")
	for _, want := range []string{"IMAP4rev1", "IDLE", "UIDPLUS", "MOVE", "UNSELECT", "NAMESPACE", "SPECIAL-USE", "LIST-EXTENDED", "LIST-STATUS", "STATUS=SIZE", "ENABLE", "LITERAL+", "SASL-IR", "APPENDLIMIT=67108864"} {
		if !strings.Contains(caps+" ", " "+want+" ") {
			t.Errorf("capabilities %q lack %s", caps, want)
		}
	}
	list := c.ok(`LIST "" "*"`)
	for _, want := range [][]string{
		{`\Sent`, `"Sent"`}, {`\Drafts`, `Drafts`}, {`\Trash`, `Trash`}, {`\Junk`, `Junk`}, {`\Archive`, `Archive`}, {`INBOX`},
	} {
		if !hasLine(list, want...) {
			t.Errorf("LIST = %q, lacks %q", list, want)
		}
	}
	lsub := c.ok(`LSUB "" "*"`)
	if len(lsub) != 6 {
		t.Errorf("LSUB = %q, want the 6 default mailboxes subscribed", lsub)
	}

	// AUTHENTICATE PLAIN with an initial response (SASL-IR).
	c2 := e.dial()
	c2.ok("AUTHENTICATE PLAIN %s", b64("\x00"+bob+"\x00"+passwords[bob]))
	c2.ok("SELECT INBOX")

	for _, tc := range []struct{ name, account, want string }{
		{"disabled", dave, "NO [AUTHORIZATIONFAILED]"},
		{"service not allowed", paul, "NO [AUTHORIZATIONFAILED]"},
	} {
		c := e.dial()
		c.expect(tc.want, "LOGIN %s %s", tc.account, passwords[tc.account])
		c.expect("BAD", "SELECT INBOX") // still not authenticated
	}
}

func TestLoginNeedsTLSWhenLoopbackIsInsecure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoopbackInsecure: true})
	c := e.dial()
	if !strings.Contains(c.greeting, "LOGINDISABLED") || strings.Contains(c.greeting, "AUTH=PLAIN") {
		t.Errorf("greeting = %q, want LOGINDISABLED and no AUTH=", c.greeting)
	}
	c.expect("NO [PRIVACYREQUIRED]", "LOGIN %s %s", alice, passwords[alice])
	c.expect("NO [PRIVACYREQUIRED]", "AUTHENTICATE PLAIN %s", b64("\x00"+alice+"\x00"+passwords[alice]))
}

func TestFailedLoginsEndSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.dial()
	c.expect("NO", "LOGIN %s bad1", alice)
	c.expect("NO", "LOGIN %s bad2", alice)
	c.expect("NO", "LOGIN %s bad3", alice)
	if l := c.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("after 3 failures: %q, want * BYE", l)
	}
	if l := c.line(); l != "" {
		t.Fatalf("connection still open: %q", l)
	}
}

func TestBadCommandsEndSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	for i := 0; i < listener.DefaultMaxBadCommands-1; i++ {
		c.expect("BAD", "FETCH (")
	}
	c.write("z BOGUS\r\n")
	if l := c.line(); !strings.HasPrefix(l, "z BAD") {
		t.Fatalf("last bad command: %q", l)
	}
	if l := c.line(); !strings.HasPrefix(l, "* BYE Too many bad commands") {
		t.Fatalf("after %d bad commands: %q, want BYE", listener.DefaultMaxBadCommands, l)
	}
}

func TestShutdownSaysBye(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	c.ok("SELECT INBOX")
	done := make(chan error, 1)
	go func() { done <- e.srv.Shutdown(t.Context()) }()
	if l := c.line(); !strings.HasPrefix(l, "* BYE") {
		t.Errorf("on shutdown: %q, want * BYE", l)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return")
	}
}
