package imapd

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
)

// withListener serves through a real listener.Listener, whose Guard and
// timeouts the session uses.
func withListener(t testing.TB, o listener.Options) func(net.Listener) net.Listener {
	return func(inner net.Listener) net.Listener {
		l, err := listener.New(inner, o)
		if err != nil {
			t.Fatalf("listener.New: %v", err)
		}
		return l
	}
}

func TestGuardDelaysFailedLogins(t *testing.T) {
	t.Parallel()
	const delay = 400 * time.Millisecond
	pen := listener.NewPenalties(listener.PenaltyOptions{AuthDelay: delay, MaxAuthDelay: time.Second})
	e := newEnv(t, Options{}, withListener(t, listener.Options{Name: "imap", Penalties: pen}))
	c := e.dial()
	start := time.Now()
	c.expect("NO [AUTHENTICATIONFAILED]", "LOGIN %s wrong", alice)
	if d := time.Since(start); d < delay {
		t.Errorf("failed LOGIN answered after %v, want at least %v", d, delay)
	}
	// The penalty is the IP's: a new connection's failure waits too.
	c2 := e.dial()
	start = time.Now()
	c2.expect("NO", "LOGIN %s wrong-again", alice)
	if d := time.Since(start); d < delay {
		t.Errorf("second connection's failed LOGIN answered after %v, want at least %v", d, delay)
	}
	c2.ok("LOGIN %s %s", alice, passwords[alice])
	if pen.AuthDelay(c2.ip()) != 0 {
		t.Errorf("penalty left after a successful login")
	}
}

func TestAccountIdleTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{}, withListener(t, listener.Options{Name: "imap"}))
	idle := 300 * time.Millisecond
	if _, err := e.dir.SetAccount(context.Background(), bob, directory.AccountPatch{Settings: directory.SettingsPatch{Set: directory.Settings{IdleTimeout: &idle}}}); err != nil {
		t.Fatalf("SetAccount: %v", err)
	}
	c := e.login(bob)
	c.ok("SELECT INBOX")
	start := time.Now()
	l := c.line() // nothing until the server gives up on the client
	if d := time.Since(start); d > 5*time.Second || d < idle/2 || (l != "" && !strings.HasPrefix(l, "* BYE")) {
		t.Errorf("idle session: %q after %v, want it closed after about %v", l, d, idle)
	}
}

func (c *client) ip() netip.Addr { return c.c.LocalAddr().(*net.TCPAddr).AddrPort().Addr().Unmap() }

func TestReject(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{}, withListener(t, listener.Options{
		Name:   "imap",
		Rules:  []listener.Rule{{Match: "127.0.0.1", Action: listener.ActionDeny}},
		Reject: Reject,
	}))
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := &client{t: t, c: conn, br: bufio.NewReader(conn)}
	c.deadline()
	if l := c.line(); l != "* BYE Access denied" {
		t.Errorf("refused connection got %q", l)
	}
}
