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

// pythonClient is run by python3 with the server's host and port; it
// prints one JSON object of what smtplib saw.
const pythonClient = `
import json, smtplib, sys
host, port = sys.argv[1], int(sys.argv[2])
out = {}
body = b"Subject: py\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nd\xc3\xa9j\xc3\xa0 vu \xe9\xff\r\n..leading dot\r\n"
with smtplib.SMTP(host, port, local_hostname="py.example.net", timeout=10) as s:
    s.ehlo()
    out["ext"] = sorted(k for k in ["size", "pipelining", "8bitmime", "enhancedstatuscodes", "smtputf8", "chunking"] if s.has_extn(k))
    out["multi"] = {k: list(v) for k, v in s.sendmail("a@remote.test", ["alice@example.org", "team@example.org", "bob+py@example.org"], body).items()}
    out["partial"] = {k: [v[0], v[1].decode()] for k, v in s.sendmail("a@remote.test", ["alice@example.org", "nobody@example.org"], body).items()}
    for name, rcpt in [("unknown", "nobody@example.org"), ("relay", "victim@remote.test"), ("disabled", "dave@example.org")]:
        try:
            s.sendmail("a@remote.test", [rcpt], body)
            out[name] = "accepted"
        except smtplib.SMTPRecipientsRefused as e:
            code, msg = e.recipients[rcpt]
            out[name] = "%d %s" % (code, msg.decode().split(" ")[0])
    s.sendmail("j\u00f6rg@remote.test", ["carol@catch.test"], "Subject: utf8\r\n\r\nh\u00e9\r\n".encode(), mail_options=["SMTPUTF8"])
    out["utf8"] = "ok"
print(json.dumps(out))
`

func TestPythonSmtplib(t *testing.T) {
	t.Parallel()
	py := mailtest.Tool(t, "python3", "python3")
	e := newEnv(t, Options{MaxMessageSize: 1 << 20})
	host, port, _ := net.SplitHostPort(e.addr)
	cmd := exec.Command(py, "-c", pythonClient, host, port)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 smtplib client: %v\n%s", err, stderr.String())
	}
	var got struct {
		Ext      []string
		Multi    map[string][]any
		Partial  map[string][]any
		Unknown  string
		Relay    string
		Disabled string
		UTF8     string
	}
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("client output %q: %v", outb, err)
	}
	if want := "8bitmime,chunking,enhancedstatuscodes,pipelining,size,smtputf8"; strings.Join(got.Ext, ",") != want {
		t.Errorf("extensions = %v, want %s", got.Ext, want)
	}
	if len(got.Multi) != 0 {
		t.Errorf("multi-recipient refusals = %v, want none", got.Multi)
	}
	if r := got.Partial["nobody@example.org"]; len(r) != 2 || r[0] != float64(550) || !strings.HasPrefix(r[1].(string), "5.1.1") {
		t.Errorf("partial refusals = %v, want nobody 550 5.1.1", got.Partial)
	}
	for name, pair := range map[string][2]string{
		"unknown": {got.Unknown, "550 5.1.1"}, "relay": {got.Relay, "550 5.7.1"}, "disabled": {got.Disabled, "550 5.2.1"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %q, want %q", name, pair[0], pair[1])
		}
	}
	if got.UTF8 != "ok" {
		t.Errorf("SMTPUTF8 sender: %q", got.UTF8)
	}

	body := []byte("Subject: py\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nd\xc3\xa9j\xc3\xa0 vu \xe9\xff\r\n..leading dot\r\n") // smtplib stuffs the dots, the server unstuffs them
	a, b := e.inbox(alice), e.inbox(bob)
	if len(a) != 2 || len(b) != 1 {
		t.Fatalf("alice %d, bob %d messages; want 2 and 1", len(a), len(b))
	}
	if a[0].guid != b[0].guid {
		t.Errorf("alice and bob hold different copies of one message")
	}
	for _, m := range append(a, b...) {
		if !bytes.HasSuffix(m.body, body) {
			t.Errorf("8-bit body not preserved:\n%q", m.body)
		}
	}
	c := e.inbox(carol)
	if len(c) != 1 {
		t.Fatalf("%s holds %d messages, want 1", carol, len(c))
	}
	if !bytes.HasPrefix(c[0].body, []byte("Return-Path: <j\xc3\xb6rg@remote.test>\r\n")) || !bytes.Contains(c[0].body, []byte(" with UTF8SMTP id ")) {
		t.Errorf("SMTPUTF8 message trace headers:\n%q", c[0].body)
	}
}
