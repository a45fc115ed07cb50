package smtpd

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/queue"
)

// password is every fixture account's password under withAuth.
const password = "s3cret pass"

// dirAccounts lets auth.Login read passwords in the real directory, as
// the daemon's adapter does.
type dirAccounts struct{ dir *directory.Directory }

func (a dirAccounts) PasswordHash(addr string) (string, string, bool, error) {
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

func (a dirAccounts) SetPasswordHash(ctx context.Context, email, hash string) error {
	return a.dir.SetPassword(ctx, email, directory.PasswordHash(hash))
}

// withAuth gives every fixture account the password and checks AUTH with
// a real auth.Login over the directory.
func withAuth() envOption {
	return envOption{opts: func(e *testEnv, o *Options) {
		h, err := auth.NewHasher(auth.Options{Scheme: "argon2id", Argon2Time: 1, Argon2MemoryKiB: 1024, Argon2Threads: 1})
		if err != nil {
			e.t.Fatal(err)
		}
		hash, err := h.Hash([]byte(password))
		if err != nil {
			e.t.Fatal(err)
		}
		for _, a := range []string{alice, bob, full, small, dave, erin, carol} {
			if err := e.dir.SetPassword(context.Background(), a, directory.PasswordHash(hash)); err != nil {
				e.t.Fatal(err)
			}
		}
		l := &auth.Login{Hasher: h, Accounts: dirAccounts{e.dir}}
		o.Authenticate = l.Check
	}}
}

// withQueue gives the server a real queue in a temporary directory.
func withQueue() envOption {
	return envOption{opts: func(e *testEnv, o *Options) {
		q, err := queue.Open(queue.Options{Dir: e.t.TempDir()})
		if err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() { q.Close() })
		e.q, o.Queue = q, q
	}}
}

// serverTLS returns a server config with the self-signed certificate
// LoadOrCreateCertificate makes, and sets the client's.
func serverTLS(e *testEnv) *tls.Config {
	cert, err := listener.LoadOrCreateCertificate("", "", e.t.TempDir(), "mx.example.org", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.tls = &tls.Config{InsecureSkipVerify: true, ServerName: "mx.example.org"}
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

// withTLS offers STARTTLS.
func withTLS() envOption {
	return envOption{opts: func(e *testEnv, o *Options) { o.TLSConfig = serverTLS(e) }}
}

// withImplicitTLS serves TLS from the first byte, as the daemon's
// "submissions" listener does: tls.NewListener over a listener.Listener.
func withImplicitTLS() envOption {
	var cfg *tls.Config
	return envOption{
		opts: func(e *testEnv, o *Options) { cfg, o.ImplicitTLS = serverTLS(e), true },
		wrap: func(e *testEnv, l net.Listener) net.Listener {
			ll, err := listener.New(l, listener.Options{Name: "submissions"})
			if err != nil {
				e.t.Fatal(err)
			}
			return tls.NewListener(ll, cfg)
		},
	}
}

// withListener serves through a listener.Listener with opts, so that
// sessions have a Guard and timeouts.
func withListener(opts listener.Options) envOption {
	return envOption{wrap: func(e *testEnv, l net.Listener) net.Listener {
		ll, err := listener.New(l, opts)
		if err != nil {
			e.t.Fatal(err)
		}
		return ll
	}}
}

// startTLS runs STARTTLS on rc and EHLO again, returning the EHLO reply.
func (rc *rawConn) startTLS(cfg *tls.Config) string {
	rc.t.Helper()
	if got := rc.cmd("STARTTLS\r\n"); !strings.HasPrefix(got, "220 ") {
		rc.t.Fatalf("STARTTLS = %q", got)
	}
	tc := tls.Client(rc.c, cfg)
	if err := tc.Handshake(); err != nil {
		rc.t.Fatalf("handshake: %v", err)
	}
	rc.c = tc
	rc.tp = newTextReader(tc)
	return rc.cmd("EHLO client.test\r\n")
}

// authPlain runs AUTH PLAIN with an initial response and returns the
// reply.
func (rc *rawConn) authPlain(user, pass string) string {
	rc.t.Helper()
	return rc.cmd("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass)) + "\r\n")
}

// authLogin runs AUTH LOGIN step by step and returns the last reply.
func (rc *rawConn) authLogin(user, pass string) string {
	rc.t.Helper()
	if got := rc.cmd("AUTH LOGIN\r\n"); got != "334 "+base64.StdEncoding.EncodeToString([]byte("Username:")) {
		return got
	}
	if got := rc.cmd(base64.StdEncoding.EncodeToString([]byte(user)) + "\r\n"); !strings.HasPrefix(got, "334 ") {
		return got
	}
	return rc.cmd(base64.StdEncoding.EncodeToString([]byte(pass)) + "\r\n")
}

func newTextReader(c net.Conn) *textproto.Reader { return textproto.NewReader(bufio.NewReader(c)) }

// dialTLS connects with TLS from the first byte (implicit TLS).
func (e *testEnv) dialTLS() *rawConn {
	e.t.Helper()
	c, err := tls.Dial("tcp", e.addr, e.tls)
	if err != nil {
		e.t.Fatalf("tls.Dial: %v", err)
	}
	e.t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	rc := &rawConn{t: e.t, c: c, tp: newTextReader(c)}
	if got := rc.reply(); !strings.HasPrefix(got, "220 ") {
		e.t.Fatalf("greeting = %q", got)
	}
	return rc
}

// closed reports whether the server closed rc: a read sees EOF.
func (rc *rawConn) closed() bool {
	_ = rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := rc.tp.ReadLine()
	return err != nil
}

// setAccount sets an account's settings.
func (e *testEnv) setAccount(email string, s directory.Settings) {
	e.t.Helper()
	if _, err := e.dir.SetAccount(context.Background(), email, directory.AccountPatch{Settings: directory.SettingsPatch{Set: s}}); err != nil {
		e.t.Fatalf("SetAccount %s: %v", email, err)
	}
}
