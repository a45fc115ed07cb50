package smtpd

import (
	"bytes"
	"encoding/json"
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/mailtest"
)

// pythonSubmission drives submission with smtplib: STARTTLS without
// verification, AUTH PLAIN (login) and LOGIN, sender checks, local,
// alias and remote recipients, a wrong password.
const pythonSubmission = `
import json, smtplib, ssl, sys
host, port, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {}
body = "Subject: py\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nd\u00e9j\u00e0 vu\r\n".encode()
with smtplib.SMTP(host, port, local_hostname="py.example.net", timeout=10) as s:
    s.ehlo()
    out["clear_auth"] = s.has_extn("auth")
    try:
        s.sendmail("alice@example.org", ["bob@example.org"], body)
        out["noauth"] = "accepted"
    except smtplib.SMTPSenderRefused as e:
        out["noauth"] = "%d %s" % (e.smtp_code, e.smtp_error.decode().split(" ")[0])
    s.starttls(context=ctx)
    s.ehlo()
    out["auth_ext"] = s.esmtp_features.get("auth", "")
    s.login("alice@example.org", pw)
    out["refused"] = s.sendmail("alice@example.org", ["bob@example.org", "friend@remote.test", "team@example.org"], body)
    try:
        s.sendmail("bob@example.org", ["carol@catch.test"], body)
        out["spoof"] = "accepted"
    except smtplib.SMTPSenderRefused as e:
        out["spoof"] = "%d %s" % (e.smtp_code, e.smtp_error.decode().split(" ")[0])
with smtplib.SMTP(host, port, timeout=10) as s:
    s.starttls(context=ctx)
    s.ehlo()
    try:
        s.login("bob@example.org", "wrong")
        out["wrong"] = "accepted"
    except smtplib.SMTPAuthenticationError as e:
        out["wrong"] = "%d %s" % (e.smtp_code, e.smtp_error.decode().split(" ")[0])
    s.user, s.password = "bob@example.org", pw
    code, _ = s.auth("LOGIN", s.auth_login)
    out["login"] = code
    s.sendmail("bob@example.org", ["carol@catch.test"], body)
print(json.dumps(out))
`

func TestPythonSubmission(t *testing.T) {
	t.Parallel()
	py := mailtest.Tool(t, "python3", "python3")
	e := newEnv(t, Options{Mode: ModeSubmission, LoopbackInsecure: true}, withAuth(), withTLS(), withQueue())
	host, port, _ := net.SplitHostPort(e.addr)
	cmd := exec.Command(py, "-c", pythonSubmission, host, port, password)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 smtplib client: %v\n%s", err, stderr.String())
	}
	var got struct {
		ClearAuth bool `json:"clear_auth"`
		NoAuth    string
		AuthExt   string `json:"auth_ext"`
		Refused   map[string]any
		Spoof     string
		Wrong     string
		Login     int
	}
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("python output %q: %v", outb, err)
	}
	if got.ClearAuth || got.NoAuth != "530 5.7.0" || strings.TrimSpace(got.AuthExt) != "PLAIN LOGIN" || len(got.Refused) != 0 ||
		got.Spoof != "553 5.7.1" || got.Wrong != "535 5.7.8" || got.Login != 235 {
		t.Errorf("smtplib saw %+v", got)
	}
	if n := len(e.inbox(bob)); n != 1 {
		t.Errorf("bob holds %d messages, want 1 (direct and through team@ are one copy)", n)
	}
	if n := len(e.inbox(alice)); n != 1 {
		t.Errorf("alice holds %d messages, want 1 (through team@)", n)
	}
	if n := len(e.inbox(carol)); n != 1 {
		t.Errorf("carol holds %d messages, want 1", n)
	}
	if n := len(e.q.List()); n != 1 {
		t.Errorf("queue holds %d messages, want 1", n)
	}
}

// swaks, the administrator's SMTP test tool: AUTH PLAIN and LOGIN over
// STARTTLS with pipelining, implicit TLS, a refused relay, and LMTP.
func TestSwaks(t *testing.T) {
	t.Parallel()
	swaks := mailtest.Tool(t, "swaks", "swaks")
	run := func(addr string, args ...string) (string, error) {
		host, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command(swaks, append([]string{"--server", host, "--port", port, "--helo", "swaks.example.net", "--timeout", "10"}, args...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// Each run is its own subtest: swaks starts slowly (perl), so they
	// run side by side.
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run("submission "+mech, func(t *testing.T) {
			t.Parallel()
			sub := newEnv(t, Options{Mode: ModeSubmission, LoopbackInsecure: true}, withAuth(), withTLS(), withQueue())
			out, err := run(sub.addr, "--tls", "--pipeline", "--auth", mech, "--auth-user", alice, "--auth-password", password,
				"--from", alice, "--to", bob+",friend@remote.test", "--header", "Subject: swaks "+mech)
			if err != nil {
				t.Fatalf("swaks: %v\n%s", err, out)
			}
			if n := len(sub.inbox(bob)); n != 1 {
				t.Errorf("bob holds %d messages, want 1", n)
			}
			if n := len(sub.q.List()); n != 1 {
				t.Errorf("queue holds %d messages, want 1", n)
			}
		})
	}
	t.Run("no AUTH in clear", func(t *testing.T) {
		t.Parallel()
		sub := newEnv(t, Options{Mode: ModeSubmission, LoopbackInsecure: true}, withAuth(), withTLS())
		out, err := run(sub.addr, "--auth", "PLAIN", "--auth-user", alice, "--auth-password", password, "--from", alice, "--to", bob)
		if err == nil || !strings.Contains(out, "Host did not advertise authentication") {
			t.Errorf("swaks AUTH in clear: err %v\n%s", err, out)
		}
	})
	t.Run("implicit TLS", func(t *testing.T) {
		t.Parallel()
		impl := newEnv(t, Options{Mode: ModeSubmission, LoopbackInsecure: true}, withAuth(), withImplicitTLS())
		if out, err := run(impl.addr, "--tls-on-connect", "--auth", "LOGIN", "--auth-user", bob, "--auth-password", password, "--from", bob, "--to", alice); err != nil {
			t.Fatalf("swaks implicit TLS: %v\n%s", err, out)
		}
		if n := len(impl.inbox(alice)); n != 1 {
			t.Errorf("alice holds %d messages, want 1", n)
		}
	})
	t.Run("MX", func(t *testing.T) {
		t.Parallel()
		mx := newEnv(t, Options{})
		out, err := run(mx.addr, "--from", "a@remote.test", "--to", "victim@remote.test")
		if err == nil || !strings.Contains(out, "550 5.7.1") {
			t.Errorf("swaks relay attempt: err %v\n%s", err, out)
		}
		if out, err := run(mx.addr, "--from", "a@remote.test", "--to", "carol@catch.test", "--pipeline", "--body", "caf\xc3\xa9"); err != nil {
			t.Errorf("swaks MX delivery: %v\n%s", err, out)
		}
		if got := mx.inbox(carol); len(got) != 1 || !strings.Contains(string(got[0].body), "caf\xc3\xa9") {
			t.Errorf("carol's inbox: %d messages, want one with the 8-bit body", len(got))
		}
	})
	t.Run("LMTP", func(t *testing.T) {
		t.Parallel()
		lmtp := newEnv(t, Options{Mode: ModeLMTP})
		out, err := run(lmtp.addr, "--protocol", "LMTP", "--from", "a@remote.test", "--to", alice+","+full+",nobody@example.org")
		if !strings.Contains(out, "550 5.1.1") || !strings.Contains(out, "250 2.0.0 <"+alice+">") {
			t.Errorf("swaks LMTP: err %v\n%s", err, out)
		}
	})
}
