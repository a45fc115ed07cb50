package imapd

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/listener"
)

// testTLS returns the server's TLS config (a self-signed certificate for
// localhost) and a client config that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	cert, err := listener.LoadOrCreateCertificate("", "", t.TempDir(), "localhost", nil)
	if err != nil {
		t.Fatalf("certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Config{Certificates: []tls.Certificate{cert}}, &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

func TestStartTLS(t *testing.T) {
	t.Parallel()
	srvTLS, cliTLS := testTLS(t)
	e := newEnv(t, Options{TLSConfig: srvTLS, LoopbackInsecure: true})
	c := e.dial()
	if !strings.Contains(c.greeting, "STARTTLS") || !strings.Contains(c.greeting, "LOGINDISABLED") {
		t.Fatalf("greeting = %q, want STARTTLS and LOGINDISABLED", c.greeting)
	}
	c.expect("NO [PRIVACYREQUIRED]", "LOGIN %s %s", alice, passwords[alice])
	c.ok("STARTTLS")
	tc := tls.Client(c.c, cliTLS)
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	c.c, c.br = tc, bufio.NewReader(tc)
	caps := strings.Join(c.ok("CAPABILITY"), " ")
	if strings.Contains(caps, "LOGINDISABLED") || strings.Contains(caps, "STARTTLS") || !strings.Contains(caps, "AUTH=PLAIN") {
		t.Errorf("capabilities under TLS = %q", caps)
	}
	c.ok("LOGIN %s %s", alice, passwords[alice])
	c.ok("SELECT INBOX")
}

func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	srvTLS, cliTLS := testTLS(t)
	e := newEnv(t, Options{ImplicitTLS: true, TLSConfig: srvTLS, LoopbackInsecure: true},
		func(l net.Listener) net.Listener { return tls.NewListener(l, srvTLS) })
	conn, err := tls.Dial("tcp", e.addr, cliTLS)
	if err != nil {
		t.Fatalf("tls.Dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, c: conn, br: bufio.NewReader(conn)}
	c.deadline()
	c.greeting = c.line()
	if strings.Contains(c.greeting, "STARTTLS") || strings.Contains(c.greeting, "LOGINDISABLED") {
		t.Errorf("imaps greeting = %q, want neither STARTTLS nor LOGINDISABLED", c.greeting)
	}
	c.ok("LOGIN %s %s", alice, passwords[alice])
	c.ok("SELECT INBOX")
	// The reply watcher sees the clear text above TLS: bad commands count.
	for i := 0; i < listener.DefaultMaxBadCommands; i++ {
		c.write("x BOGUS\r\n")
		if l := c.line(); !strings.HasPrefix(l, "x BAD") {
			t.Fatalf("bad command %d: %q", i, l)
		}
	}
	if l := c.line(); !strings.HasPrefix(l, "* BYE") {
		t.Errorf("after %d bad commands over imaps: %q, want BYE", listener.DefaultMaxBadCommands, l)
	}
}
