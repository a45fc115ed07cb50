package daemon

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/mailtest"
)

// swaks runs swaks and returns its transcript and exit code; under
// CI=true a missing swaks fails the test.
func swaks(t *testing.T, args ...string) (string, int) {
	t.Helper()
	path := mailtest.Tool(t, "swaks", "swaks")
	out, err := exec.Command(path, args...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// addUser creates an account with a password through axctl, as an
// administrator would.
func addUser(t *testing.T, d *mailtest.Daemon, email, password string) {
	t.Helper()
	if _, errOut, code := mailtest.Run(t, password+"\n", "axctl", "--socket", d.Socket, "account", "add", email, "--password-stdin"); code != 0 {
		t.Fatalf("axctl account add %s: exit %d: %s", email, code, errOut)
	}
}

const popScript = `
import json, poplib, sys
host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
p = poplib.POP3(host, port, timeout=10)
caps = sorted(p.capa().keys())
p.stls()
p.user(user)
p.pass_(password)
count, size = p.stat()
bodies = [b"\n".join(p.retr(i)[1]).decode() for i in range(1, count + 1)]
p.quit()
print(json.dumps({"caps": caps, "count": count, "bodies": bodies}))
`

// From a real axd with its embedded TLS defaults: swaks submits over
// STARTTLS and over implicit TLS with AUTH, a local recipient is stored
// and read back over POP3 with STLS, a remote recipient lands in the
// queue (axctl queue list), AUTH in the clear from loopback works as on
// Dovecot, a wrong password is refused, and the MX refuses to relay.
func TestSubmissionQueueAndPOP3(t *testing.T) {
	t.Parallel()
	d := mailtest.Start(t, mailtest.Options{Config: `
listeners:
  smtp: {listen: "127.0.0.1:0"}
  submission: {listen: "127.0.0.1:0"}
  submissions: {listen: "127.0.0.1:0"}
  pop3: {listen: "127.0.0.1:0"}
`})
	ctx := context.Background()
	if _, errOut, code := mailtest.Run(t, "", "axctl", "--socket", d.Socket, "domain", "add", "example.org"); code != 0 {
		t.Fatalf("domain add: %s", errOut)
	}
	addUser(t, d, "alice@example.org", "wonderland-7")
	addUser(t, d, "bob@example.org", "builder-8")
	if !strings.Contains(d.Log(), "self-signed") {
		t.Errorf("no log line about the generated self-signed certificate:\n%s", d.Log())
	}

	sub := d.Addr(t, "submission")
	// Clients trust the self-signed certificate here, as its users do.
	out, code := swaks(t, "--server", sub, "--tls", "--au", "alice@example.org", "--ap", "wonderland-7",
		"--from", "alice@example.org", "--to", "bob@example.org,carol@remote.test", "--header", "Subject: starttls", "--body", "over starttls")
	if code != 0 {
		t.Fatalf("swaks over STARTTLS exited %d:\n%s\n%s", code, out, d.Log())
	}
	out, code = swaks(t, "--server", d.Addr(t, "submissions"), "--tlsc", "--au", "alice@example.org", "--ap", "wonderland-7",
		"--from", "alice@example.org", "--to", "bob@example.org", "--header", "Subject: implicit", "--body", "over implicit tls")
	if code != 0 {
		t.Fatalf("swaks over implicit TLS exited %d:\n%s", code, out)
	}
	out, code = swaks(t, "--server", sub, "--tls", "--au", "alice@example.org", "--ap", "wrong-password",
		"--from", "alice@example.org", "--to", "bob@example.org")
	if code == 0 || !strings.Contains(out, "535 5.7.8") {
		t.Errorf("a wrong password: swaks exit %d, want a 535 5.7.8 refusal:\n%s", code, out)
	}
	out, code = swaks(t, "--server", sub, "--au", "bob@example.org", "--ap", "builder-8",
		"--from", "bob@example.org", "--to", "alice@example.org", "--header", "Subject: clear", "--body", "loopback counts as secure")
	if code != 0 {
		t.Errorf("AUTH in the clear from loopback: swaks exit %d:\n%s", code, out)
	}
	out, code = swaks(t, "--server", sub, "--tls", "--au", "bob@example.org", "--ap", "builder-8",
		"--from", "alice@example.org", "--to", "alice@example.org")
	if code == 0 || !strings.Contains(out, "553 5.7.1") {
		t.Errorf("bob sending as alice: swaks exit %d, want 553 5.7.1:\n%s", code, out)
	}
	out, code = swaks(t, "--server", d.Addr(t, "smtp"), "--from", "spammer@remote.test", "--to", "victim@remote.test")
	if code == 0 || !strings.Contains(out, "550 5.7.1") {
		t.Errorf("relay through the MX: swaks exit %d, want 550 5.7.1:\n%s", code, out)
	}

	q, err := d.Client().Queue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].From != "alice@example.org" || len(q[0].Recipients) != 1 || q[0].Recipients[0].Address != "carol@remote.test" || q[0].Account != "alice@example.org" {
		t.Fatalf("queue = %+v, want one message from alice to carol@remote.test", q)
	}
	listed, errOut, code := mailtest.Run(t, "", "axctl", "--socket", d.Socket, "queue", "list")
	if code != 0 || !strings.Contains(listed, q[0].ID) || !strings.Contains(listed, "carol@remote.test") {
		t.Errorf("axctl queue list: exit %d, %q %q", code, listed, errOut)
	}

	var pop struct {
		Caps   []string
		Count  int
		Bodies []string
	}
	python3(t, popScript, append(hostPort(d.Addr(t, "pop3")), "bob@example.org", "builder-8"), &pop)
	if pop.Count != 2 || !strings.Contains(strings.Join(pop.Bodies, "\n"), "over starttls") || !strings.Contains(strings.Join(pop.Bodies, "\n"), "over implicit tls") {
		t.Errorf("bob's POP3 maildrop: %d messages %q, want the two submitted to him", pop.Count, pop.Bodies)
	}
	if !strings.Contains(strings.Join(pop.Caps, " "), "STLS") {
		t.Errorf("POP3 CAPA %v lacks STLS", pop.Caps)
	}
	if n := messages(t, d, "alice@example.org"); n != 1 {
		t.Errorf("alice has %d messages, want 1 (bob's in the clear)", n)
	}
}

const imapScript = `
import imaplib, json, smtplib, socket, ssl, sys, time
host, port, smtp_port, user, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
out = {}
m = imaplib.IMAP4(host, port)
m.starttls(ssl_context=ssl._create_unverified_context())
m.login(user, password)
typ, lines = m.list()
out["list"] = [l.decode() for l in lines]
typ, data = m.select("INBOX")
out["exists"] = int(data[0])
typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)] ENVELOPE)")
out["fetch"] = data[0][1].decode()
# IDLE by hand (imaplib has no IDLE before Python 3.14), then a delivery.
m.send(b"i1 IDLE\r\n")
out["idle"] = m.readline().decode().strip()
t0 = time.monotonic()
with smtplib.SMTP(host, smtp_port, local_hostname="py.example.net", timeout=10) as s:
    s.sendmail("a@remote.test", [user], b"Subject: while idle\r\n\r\nhello\r\n")
t1 = time.monotonic()
m.sock.settimeout(5)
line = m.readline().decode().strip()
out["notified"] = line
out["seconds"] = time.monotonic() - t1
m.send(b"DONE\r\n")
out["done"] = m.readline().decode().strip()
m.logout()
print(json.dumps(out))
`

// A real axd serves IMAP with STARTTLS: a first login shows the
// special-use mailboxes, FETCH returns what SMTP delivered, and an IDLE
// session hears of a message delivered by SMTP within a second.
func TestIMAPEndToEnd(t *testing.T) {
	t.Parallel()
	d := mailtest.Start(t, mailtest.Options{Config: `
listeners:
  smtp: {listen: "127.0.0.1:0"}
  imap: {listen: "127.0.0.1:0"}
`})
	if _, errOut, code := mailtest.Run(t, "", "axctl", "--socket", d.Socket, "domain", "add", "example.org"); code != 0 {
		t.Fatalf("domain add: %s", errOut)
	}
	addUser(t, d, "alice@example.org", "wonderland-7")
	smtpAddr := d.Addr(t, "smtp")
	out, code := swaks(t, "--server", smtpAddr, "--from", "a@remote.test", "--to", "alice@example.org", "--header", "Subject: first", "--body", "one")
	if code != 0 {
		t.Fatalf("swaks: %d\n%s", code, out)
	}
	var r struct {
		List     []string
		Exists   int
		Fetch    string
		Idle     string
		Notified string
		Seconds  float64
		Done     string
	}
	args := append(hostPort(d.Addr(t, "imap")), hostPort(smtpAddr)[1], "alice@example.org", "wonderland-7")
	python3(t, imapScript, args, &r)
	list := strings.Join(r.List, "\n")
	for _, want := range []string{`\Sent`, `\Drafts`, `\Trash`, `\Junk`, `\Archive`, "INBOX"} {
		if !strings.Contains(list, want) {
			t.Errorf("LIST lacks %s:\n%s", want, list)
		}
	}
	if r.Exists != 1 || !strings.Contains(r.Fetch, "Subject: first") {
		t.Errorf("SELECT INBOX: %d messages, FETCH %q; want the one delivered", r.Exists, r.Fetch)
	}
	if !strings.HasPrefix(r.Idle, "+") || r.Notified != "* 2 EXISTS" || r.Seconds > 1 || !strings.HasPrefix(r.Done, "i1 OK") {
		t.Errorf("IDLE: %q, then %q after %.3f s, then %q; want + , * 2 EXISTS within 1 s, i1 OK", r.Idle, r.Notified, r.Seconds, r.Done)
	}
}
