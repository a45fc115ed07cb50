package pop3d

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/listener"
)

func plain(authzid, user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(authzid + "\x00" + user + "\x00" + pass))
}

func TestAuthPlain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.deliver(alice, msgCRLF)
	for _, c := range []struct {
		name  string
		lines []string // sent in turn; the last reply is checked
		want  string
	}{
		{"initial response", []string{"AUTH PLAIN " + plain("", alice, password(alice))}, "+OK maildrop locked and ready, 1 messages"},
		{"lower-case mechanism", []string{"auth plain " + plain("", alice, password(alice))}, "+OK maildrop locked and ready, 1 messages"},
		{"authzid equal to user", []string{"AUTH PLAIN " + plain(alice, alice, password(alice))}, "+OK maildrop locked and ready, 1 messages"},
		{"continuation", []string{"AUTH PLAIN", plain("", alice, password(alice))}, "+OK maildrop locked and ready, 1 messages"},
		{"cancelled", []string{"AUTH PLAIN", "*"}, "-ERR authentication cancelled"},
		{"empty initial response", []string{"AUTH PLAIN ="}, "-ERR malformed PLAIN response"},
		{"wrong password", []string{"AUTH PLAIN " + plain("", alice, "nope")}, "-ERR [AUTH] invalid credentials"},
		{"other authzid", []string{"AUTH PLAIN " + plain(bob, alice, password(alice))}, "-ERR [AUTH] invalid credentials"},
		{"two fields", []string{"AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte(alice+"\x00x"))}, "-ERR malformed PLAIN response"},
		{"continuation too long", []string{"AUTH PLAIN", strings.Repeat("A", 5000)}, "-ERR authentication line too long"},
	} {
		rc := e.dialRaw()
		var got string
		for i, l := range c.lines {
			got = rc.cmd(l)
			if i < len(c.lines)-1 && got != "+ " {
				t.Errorf("%s: reply to %q = %q, want continuation", c.name, l, got)
			}
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		rc.c.Close()
		e.waitIdle()
	}
	rc := e.dialRaw()
	if got := rc.cmd("AUTH"); got != "+OK mechanisms follow" {
		t.Errorf("AUTH = %q", got)
	}
	if got := rc.multi(); got != "PLAIN\r\n" {
		t.Errorf("AUTH mechanisms = %q", got)
	}
}

func TestCleartextRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{opts: Options{LoopbackInsecure: true}})
	rc := e.dialRaw()
	rc.cmd("CAPA")
	if got := rc.multi(); strings.Contains(got, "USER") || strings.Contains(got, "SASL") || strings.Contains(got, "STLS") {
		t.Errorf("CAPA in clear = %q, want no USER, SASL or STLS", got)
	}
	for _, l := range []string{"USER " + alice, "AUTH PLAIN " + plain("", alice, password(alice)), "AUTH PLAIN", "AUTH"} {
		if got := rc.cmd(l); got != "-ERR [AUTH] plaintext authentication disallowed without TLS" {
			t.Errorf("%s in clear = %q", strings.Fields(l)[0], got)
		}
	}
	if got := rc.cmd("STAT"); got != "-ERR command not valid in this state" {
		t.Errorf("STAT = %q", got)
	}

	// InsecureAuth lets the same client in.
	e2 := newEnv(t, envOptions{opts: Options{LoopbackInsecure: true, InsecureAuth: true}})
	rc2 := e2.dialRaw()
	rc2.login(alice)
}

// selfSigned makes a certificate for the test's server.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "pop.example.org"},
		DNSNames:     []string{"pop.example.org"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func TestSTLS(t *testing.T) {
	t.Parallel()
	cfg, pool := selfSigned(t)
	e := newEnv(t, envOptions{opts: Options{TLSConfig: cfg, LoopbackInsecure: true}})
	e.deliver(alice, msgLF)
	rc := e.dialRaw()
	rc.cmd("CAPA")
	if got := rc.multi(); !strings.Contains(got, "\r\nSTLS\r\n") || strings.Contains(got, "USER") {
		t.Errorf("CAPA before STLS = %q, want STLS and no USER", got)
	}
	if got := rc.cmd("USER " + alice); got != "-ERR [AUTH] plaintext authentication disallowed without TLS; use STLS" {
		t.Errorf("USER before STLS = %q", got)
	}
	if got := rc.cmd("STLS"); got != "+OK begin TLS negotiation" {
		t.Fatalf("STLS = %q", got)
	}
	tc := tls.Client(rc.c, &tls.Config{RootCAs: pool, ServerName: "pop.example.org"})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	rc = newRawConn(t, tc)
	rc.cmd("CAPA")
	if got := rc.multi(); strings.Contains(got, "STLS") || !strings.Contains(got, "USER") || !strings.Contains(got, "SASL PLAIN") {
		t.Errorf("CAPA under TLS = %q, want USER and SASL, no STLS", got)
	}
	if got := rc.cmd("STLS"); got != "-ERR STLS not available" {
		t.Errorf("second STLS = %q", got)
	}
	if got := rc.cmd("AUTH PLAIN " + plain("", alice, password(alice))); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("AUTH under TLS = %q", got)
	}
	if got := rc.cmd("RETR 1"); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("RETR = %q", got)
	}
	if got := rc.multi(); got != sentForm(msgLF) {
		t.Errorf("RETR under TLS = %q", got)
	}
	rc.cmd("QUIT")

	// Commands pipelined behind STLS are not carried into TLS.
	rc = e.dialRaw()
	rc.write("STLS\r\nUSER " + alice + "\r\n")
	if got := rc.line(); got != "-ERR input after STLS, closing connection" {
		t.Errorf("STLS with pipelined input = %q", got)
	}
}

func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	cfg, pool := selfSigned(t)
	e := newEnv(t, envOptions{opts: Options{ImplicitTLS: true, TLSConfig: cfg, LoopbackInsecure: true}})
	// newEnv serves plain TCP; serve a TLS listener of our own as pop3s.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.Serve(tls.NewListener(l, cfg)) }()
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "pop.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc := newRawConn(t, c)
	if got := rc.line(); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("greeting = %q", got)
	}
	rc.cmd("CAPA")
	if got := rc.multi(); strings.Contains(got, "STLS") || !strings.Contains(got, "USER") {
		t.Errorf("CAPA on pop3s = %q, want USER and no STLS", got)
	}
	rc.login(alice)
}

func TestAuthFailureDelayAndDrop(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	pen := listener.NewPenalties(listener.PenaltyOptions{AuthDelay: delay, MaxAuthDelay: time.Second, BanAfterDrops: -1})
	e := newEnv(t, envOptions{listener: &listener.Options{MaxAuthFailures: 2, Penalties: pen}})
	rc := e.dialRaw()
	rc.cmd("USER " + alice)
	start := time.Now()
	if got := rc.cmd("PASS wrong-1"); got != "-ERR [AUTH] invalid credentials" {
		t.Errorf("first failure = %q", got)
	}
	if d := time.Since(start); d < delay {
		t.Errorf("first failure answered after %v, want at least %v", d, delay)
	}
	start = time.Now()
	if got := rc.cmd("AUTH PLAIN " + plain("", alice, "wrong-2")); got != "-ERR [AUTH] too many failed logins, closing connection" {
		t.Errorf("second failure = %q", got)
	}
	if d := time.Since(start); d < delay {
		t.Errorf("second failure answered after %v, want at least %v", d, delay)
	}
	if !rc.closed() {
		t.Error("connection open after the Guard's limit")
	}
	// A successful login clears the IP's penalty.
	rc = e.dialRaw()
	rc.login(alice)
	if d := pen.AuthDelay(netipLoopback()); d != 0 {
		t.Errorf("penalty after a good login = %v, want 0", d)
	}
}

// TestAuthDelayEndsAtShutdown: the wait after a failed login is
// context-aware, so Shutdown does not wait it out.
func TestAuthDelayEndsAtShutdown(t *testing.T) {
	t.Parallel()
	pen := listener.NewPenalties(listener.PenaltyOptions{AuthDelay: time.Minute, MaxAuthDelay: time.Minute, BanAfterDrops: -1})
	e := newEnv(t, envOptions{listener: &listener.Options{Penalties: pen}})
	rc := e.dialRaw()
	rc.cmd("USER " + alice)
	rc.write("PASS wrong\r\n")
	e.waitLog("login failed")
	start := time.Now()
	if err := e.srv.Shutdown(t.Context()); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if got := rc.line(); got != "-ERR [SYS/TEMP] server shutting down" {
		t.Errorf("reply during the delay at shutdown = %q", got)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Shutdown took %v, the AUTH delay was waited out", d)
	}
}
