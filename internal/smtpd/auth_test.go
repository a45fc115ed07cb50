package smtpd

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
)

// Submission over STARTTLS: AUTH is offered only under TLS (loopback not
// trusted here), PLAIN and LOGIN both work, MAIL needs AUTH, and the
// sender must be the account's.
func TestSubmissionAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeSubmission, LoopbackInsecure: true}, withAuth(), withTLS(), withQueue())
	rc := e.dialRaw()
	ehlo := rc.cmd("EHLO client.test\r\n")
	if strings.Contains(ehlo, "AUTH") || !strings.Contains(ehlo, "STARTTLS") {
		t.Fatalf("EHLO in clear = %q, want STARTTLS and no AUTH", ehlo)
	}
	if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "538 5.7.11") {
		t.Errorf("AUTH in clear = %q, want 538 5.7.11", got)
	}
	if got := rc.cmd("MAIL FROM:<" + alice + ">\r\n"); !strings.HasPrefix(got, "530 5.7.0") {
		t.Errorf("MAIL before AUTH = %q, want 530 5.7.0", got)
	}
	ehlo = rc.startTLS(e.tls)
	if !strings.Contains(ehlo, "AUTH PLAIN LOGIN") || strings.Contains(ehlo, "STARTTLS") {
		t.Fatalf("EHLO under TLS = %q, want AUTH PLAIN LOGIN and no STARTTLS", ehlo)
	}
	if got := rc.cmd("MAIL FROM:<" + alice + ">\r\n"); !strings.HasPrefix(got, "530 5.7.0") {
		t.Errorf("MAIL before AUTH under TLS = %q, want 530 5.7.0", got)
	}
	if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH PLAIN = %q, want 235", got)
	}
	if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "503 ") {
		t.Errorf("second AUTH = %q, want 503", got)
	}
	for _, tc := range []struct{ from, want string }{
		{bob, "553 5.7.1"},                   // another account
		{"someone@remote.test", "553 5.7.1"}, // not a local domain
		{"team@example.org", "250 "},         // an alias reaching alice
		{"alice+tag@example.org", "250 "},    // her sub-address
		{"nobody@example.org", "553 5.7.1"},  // no such address
		{"", "250 "},                         // null sender
		{alice, "250 "},
	} {
		if got := rc.cmd("MAIL FROM:<" + tc.from + ">\r\n"); !strings.HasPrefix(got, tc.want) {
			t.Errorf("MAIL FROM:<%s> = %q, want %q", tc.from, got, tc.want)
		}
		rc.cmd("RSET\r\n")
	}
	rc.cmd("MAIL FROM:<" + alice + ">\r\n")
	for _, to := range []string{bob, "friend@remote.test"} {
		if got := rc.cmd("RCPT TO:<" + to + ">\r\n"); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("RCPT %s = %q", to, got)
		}
	}
	rc.cmd("DATA\r\n")
	if got := rc.cmd("Subject: sub\r\n\r\nhello\r\n.\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("DATA = %q", got)
	}
	if got := e.inbox(bob); len(got) != 1 || !strings.Contains(string(got[0].body), "with ESMTPSA") {
		t.Errorf("bob's inbox: %d messages, want one received with ESMTPSA", len(got))
	}
	if q := e.q.List(); len(q) != 1 || q[0].Envelope.Account != alice || q[0].Envelope.Recipients[0].Address != "friend@remote.test" {
		t.Errorf("queue = %+v, want one message from %s to friend@remote.test", q, alice)
	}

	// AUTH LOGIN on a second connection.
	rc2 := e.dialRaw()
	rc2.cmd("EHLO client.test\r\n")
	rc2.startTLS(e.tls)
	if got := rc2.authLogin(bob, password); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH LOGIN = %q", got)
	}
	if got := rc2.cmd("MAIL FROM:<" + bob + ">\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Errorf("MAIL after AUTH LOGIN = %q", got)
	}
	if strings.Contains(e.logs.String(), password) {
		t.Error("the password shows in the log")
	}
}

// Accounts that may not log in here get 535: a wrong password, a
// disabled account, an account without the submission service.
func TestAuthRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeSubmission}, withAuth(),
		withListener(listener.Options{MaxAuthFailures: -1, Penalties: listener.NewPenalties(listener.PenaltyOptions{AuthDelay: -1})}))
	rc := e.dialRaw()
	ehlo := rc.cmd("EHLO client.test\r\n")
	if !strings.Contains(ehlo, "AUTH PLAIN LOGIN") {
		t.Fatalf("EHLO from loopback = %q, want AUTH offered (loopback counts as secure)", ehlo)
	}
	for _, tc := range []struct{ name, user, pass, want string }{
		{"wrong password", alice, "nope", "535 5.7.8"},
		{"unknown user", "nobody@example.org", password, "535 5.7.8"},
		{"disabled", dave, password, "535 5.7.8"},
		{"no submission service", erin, password, "535 5.7.8"},
		{"authzid of another", "", "", "535 5.7.8"},
	} {
		var got string
		if tc.name == "authzid of another" {
			got = rc.cmd("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte(bob+"\x00"+alice+"\x00"+password)) + "\r\n")
		} else {
			got = rc.authPlain(tc.user, tc.pass)
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: AUTH = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "235 ") {
		t.Errorf("AUTH after failures = %q, want 235", got)
	}
}

// A failed AUTH is answered after the Guard's delay; past the limit the
// session ends with 421, in clear (loopback) and after STARTTLS, where
// the connection wrapper sees only ciphertext.
func TestAuthDelayAndDrop(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	for _, starttls := range []bool{false, true} {
		e := newEnv(t, Options{Mode: ModeSubmission}, withAuth(), withTLS(),
			withListener(listener.Options{MaxAuthFailures: 3, Penalties: listener.NewPenalties(listener.PenaltyOptions{AuthDelay: delay, MaxAuthDelay: delay})}))
		rc := e.dialRaw()
		rc.cmd("EHLO client.test\r\n")
		if starttls {
			rc.startTLS(e.tls)
		}
		start := time.Now()
		if got := rc.authPlain(alice, "wrong1"); !strings.HasPrefix(got, "535 5.7.8") {
			t.Fatalf("tls %v: AUTH = %q, want 535 5.7.8", starttls, got)
		}
		if d := time.Since(start); d < delay {
			t.Errorf("tls %v: failed AUTH answered after %v, want at least %v", starttls, d, delay)
		}
		if got := rc.authLogin(alice, "wrong2"); !strings.HasPrefix(got, "535 5.7.8") {
			t.Fatalf("tls %v: AUTH LOGIN = %q, want 535 5.7.8", starttls, got)
		}
		if got := rc.authPlain(alice, "wrong3"); got != "421 4.7.0 Too many errors, closing connection" {
			t.Fatalf("tls %v: third failed AUTH = %q, want the 421", starttls, got)
		}
		if !rc.closed() {
			t.Errorf("tls %v: connection still open after the 421", starttls)
		}
	}
}

// Under implicit TLS (the daemon's tls.NewListener) AUTH is offered at
// once, STARTTLS is not, and bad commands still reach the Guard.
func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeSubmission, LoopbackInsecure: true}, withAuth(), withImplicitTLS())
	rc := e.dialTLS()
	ehlo := rc.cmd("EHLO client.test\r\n")
	if !strings.Contains(ehlo, "AUTH PLAIN LOGIN") || strings.Contains(ehlo, "STARTTLS") {
		t.Fatalf("EHLO = %q", ehlo)
	}
	if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH = %q", got)
	}
	rc.cmd("MAIL FROM:<" + alice + ">\r\n")
	rc.cmd("RCPT TO:<" + bob + ">\r\n")
	rc.cmd("DATA\r\n")
	if got := rc.cmd("Subject: tls\r\n\r\nhi\r\n.\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("DATA = %q", got)
	}
	if got := e.inbox(bob); len(got) != 1 || !strings.Contains(string(got[0].body), "with ESMTPSA") {
		t.Errorf("bob's inbox: %d messages, want one received with ESMTPSA", len(got))
	}
	for i := 0; i < 19; i++ {
		if got := rc.cmd("MAIL FROM:<broken\r\n"); !strings.HasPrefix(got, "501 ") {
			t.Fatalf("bad MAIL %d = %q", i, got)
		}
	}
	if got := rc.cmd("MAIL FROM:<broken\r\n"); !strings.HasPrefix(got, "501 ") {
		t.Fatalf("20th bad command = %q", got)
	}
	if got := rc.reply(); got != "421 4.7.0 Too many errors, closing connection" {
		t.Fatalf("after the 20th bad command: %q, want the 421", got)
	}
}

// After AUTH the account's idle timeout applies to the connection.
func TestAccountIdleTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeSubmission}, withAuth(), withListener(listener.Options{IdleTimeout: time.Minute}))
	e.setAccount(alice, directory.Settings{IdleTimeout: ptr(300 * time.Millisecond)})
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	time.Sleep(500 * time.Millisecond) // longer than alice's timeout, before AUTH: still open
	if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH = %q", got)
	}
	start := time.Now()
	got := rc.reply() // the server speaks first: the idle timeout
	if !strings.HasPrefix(got, "421 ") {
		t.Fatalf("after idling: %q, want 421", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("idle session closed after %v, want about 300ms", d)
	}
}

// After AUTH the account's activity timeout caps the session however
// busy it is.
func TestAccountActivityTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeSubmission}, withAuth(), withListener(listener.Options{}))
	e.setAccount(alice, directory.Settings{ActivityTimeout: ptr(700 * time.Millisecond)})
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH = %q", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got := rc.cmd("NOOP\r\n")
		if !strings.HasPrefix(got, "250") {
			return // the session ended: 421 or EOF
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("a busy session outlived its 700ms activity timeout by 10s")
}
