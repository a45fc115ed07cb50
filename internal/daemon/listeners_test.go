package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/mailtest"
)

// python3 runs a client script with the address's host and port (or, for
// connectScript, the addresses) and decodes the JSON it prints into out.
func python3(t *testing.T, script string, args []string, out any) {
	t.Helper()
	py := mailtest.Tool(t, "python3", "python3")
	cmd := exec.Command(py, append([]string{"-c", script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 client: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("python3 client printed %q: %v", b, err)
	}
}

// connectScript connects with smtplib to each host:port in turn and
// prints, for each, the greeting's refusal or "accepted", and how long it
// took.
const connectScript = `
import json, smtplib, sys, time
out = []
for addr in sys.argv[1:]:
    host, port = addr.rsplit(":", 1)
    t = time.monotonic()
    try:
        s = smtplib.SMTP(host, int(port), local_hostname="py.example.net", timeout=10)
        s.quit()
        reply = "accepted"
    except smtplib.SMTPConnectError as e:
        reply = "%d %s" % (e.smtp_code, e.smtp_error.decode())
    out.append({"reply": reply, "seconds": time.monotonic() - t})
print(json.dumps(out))
`

type connected struct {
	Reply   string
	Seconds float64
}

func hostPort(addr string) []string {
	h, p, _ := net.SplitHostPort(addr)
	return []string{h, p}
}

func addAccounts(t *testing.T, d *mailtest.Daemon) {
	t.Helper()
	ctx := context.Background()
	c := d.Client()
	if _, err := c.AddDomain(ctx, control.DomainRequest{Name: "example.org"}); err != nil {
		t.Fatal(err)
	}
	small := int64(1024)
	for _, a := range []control.AccountRequest{
		{Email: "alice@example.org"},
		{Email: "small@example.org", Settings: directory.Settings{MaxMessageSize: &small}},
	} {
		if _, err := c.AddAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
}

func messages(t *testing.T, d *mailtest.Daemon, email string) int64 {
	t.Helper()
	info, err := d.Client().Account(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return info.Usage.Messages
}

const deliverScript = `
import json, smtplib, sys
host, port = sys.argv[1], int(sys.argv[2])
out = {}
with smtplib.SMTP(host, port, local_hostname="py.example.net", timeout=10) as s:
    s.ehlo()
    out["size"] = s.esmtp_features.get("size", "")
    out["refused"] = {k: v[0] for k, v in s.sendmail("a@remote.test", ["alice@example.org"], b"Subject: hi\r\n\r\nhi\r\n").items()}
    try:
        s.sendmail("a@remote.test", ["victim@remote.test"], b"Subject: relay\r\n\r\nno\r\n")
        out["relay"] = "accepted"
    except smtplib.SMTPRecipientsRefused as e:
        out["relay"] = e.recipients["victim@remote.test"][0]
print(json.dumps(out))
`

const lmtpScript = `
import json, smtplib, sys
host, port = sys.argv[1], int(sys.argv[2])
rcpts = ["alice@example.org", "small@example.org"]
body = b"Subject: big\r\n\r\n" + (b"y" * 98 + b"\r\n") * 20
s = smtplib.LMTP(host, port, local_hostname="py.example.net")
s.ehlo()
s.mail("a@remote.test")
for r in rcpts:
    s.rcpt(r)
code, msg = s.data(body)
replies = [[code, msg.decode()]]
for _ in rcpts[1:]:
    code, msg = s.getreply()
    replies.append([code, msg.decode()])
s.quit()
print(json.dumps({"replies": replies}))
`

// axd serves MX and LMTP on free ports: smtplib delivers to a local
// account (stored, as the account's usage shows), a remote recipient is
// refused, and LMTP replies once per recipient after DATA.
func TestServesSMTPAndLMTP(t *testing.T) {
	t.Parallel()
	d := mailtest.Start(t, mailtest.Options{Config: `
limits: {max_message_size: 3M}
listeners:
  smtp: {listen: "127.0.0.1:0"}
  lmtp: {listen: "127.0.0.1:0"}
`})
	addAccounts(t, d)
	for _, name := range []string{"smtp", "lmtp"} {
		if !strings.Contains(d.Log(), "msg=listening listener="+name) {
			t.Errorf("no listening line for %s in the log:\n%s", name, d.Log())
		}
	}
	st, err := d.Client().Status(context.Background())
	if err != nil || st.Listeners["smtp"] != "smtp "+d.Addr(t, "smtp") {
		t.Errorf("status listeners = %v, %v; want smtp at its bound address", st.Listeners, err)
	}
	var mx struct {
		Size    string
		Refused map[string]int
		Relay   any
	}
	python3(t, deliverScript, hostPort(d.Addr(t, "smtp")), &mx)
	if len(mx.Refused) != 0 || mx.Relay != float64(550) || mx.Size != "3145728" {
		t.Errorf("MX: SIZE %q, refused %v, relay %v; want limits.max_message_size 3145728, none and 550", mx.Size, mx.Refused, mx.Relay)
	}
	if n := messages(t, d, "alice@example.org"); n != 1 {
		t.Fatalf("alice has %d messages after MX delivery, want 1\n%s", n, d.Log())
	}
	var lmtp struct{ Replies [][]any }
	python3(t, lmtpScript, hostPort(d.Addr(t, "lmtp")), &lmtp)
	if len(lmtp.Replies) != 2 || lmtp.Replies[0][0] != float64(250) || lmtp.Replies[1][0] != float64(552) ||
		!strings.HasPrefix(lmtp.Replies[1][1].(string), "5.3.4") {
		t.Errorf("LMTP replies = %v, want 250 for alice, 552 5.3.4 for small\n%s", lmtp.Replies, d.Log())
	}
	if a, s := messages(t, d, "alice@example.org"), messages(t, d, "small@example.org"); a != 2 || s != 0 {
		t.Errorf("after LMTP alice %d, small %d messages; want 2 and 0", a, s)
	}
}

// A deny rule refuses with 554; a per-IP rate admits rate_per_ip
// connections in its interval and refuses the next with 421 4.7.0.
func TestRulesRefuse(t *testing.T) {
	t.Parallel()
	d := mailtest.Start(t, mailtest.Options{Config: `
listeners:
  smtp:
    listen: "127.0.0.1:0"
    rules:
      - {match: "*", action: limit, rate_per_ip: 2, rate_interval: 1h}
  lmtp:
    listen: "127.0.0.1:0"
    rules:
      - {match: 10.0.0.0/8, action: allow}
      - {match: 127.0.0.0/8, action: deny}
  idle:
    service: smtp
    listen: "127.0.0.1:0"
    tls: none
    idle_timeout: 1s
`})
	// idle_timeout ends a connection that says nothing: go-smtp's read
	// fails on the listener's deadline and it says goodbye.
	// Timed from before the dial: the server's clock starts at its accept,
	// which can come before Dial returns here.
	idleStart := time.Now()
	c, err := net.Dial("tcp", d.Addr(t, "idle"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	rd := bufio.NewReader(c)
	greeting, _ := rd.ReadString('\n')
	bye, err := rd.ReadString('\n')
	if !strings.HasPrefix(greeting, "220 ") || !strings.HasPrefix(bye, "421 4.4.2") {
		t.Errorf("idle connection got %q then %q (%v), want 220 then 421 4.4.2", greeting, bye, err)
	}
	if el := time.Since(idleStart); el < time.Second {
		t.Errorf("idle connection ended after %v, before its idle_timeout of 1s", el)
	}
	var rs []connected
	smtp := d.Addr(t, "smtp")
	python3(t, connectScript, []string{d.Addr(t, "lmtp"), smtp, smtp, smtp}, &rs)
	if len(rs) != 4 || !strings.HasPrefix(rs[0].Reply, "554 5.7.1") {
		t.Fatalf("denied client got %v, want 554 5.7.1", rs)
	}
	for i, want := range []string{"accepted", "accepted", "421 4.7.0"} {
		if r := rs[i+1]; !strings.HasPrefix(r.Reply, want) {
			t.Errorf("connection %d under rate_per_ip 2 got %q, want %q", i+1, r.Reply, want)
		}
	}
	ls, err := d.Client().Listeners(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]control.ListenerInfo{}
	for _, l := range ls {
		got[l.Name] = l
	}
	if n := got["lmtp"].Refused["denied"]; n != 1 {
		t.Errorf("lmtp refused = %v, want denied=1", got["lmtp"].Refused)
	}
	if s := got["smtp"]; s.Refused["rate_per_ip"] != 1 || s.Accepted != 2 || len(s.Rules) != 1 || s.Rules[0].Refused != 1 {
		t.Errorf("smtp = %+v, want 2 accepted and 1 refused for rate_per_ip", s)
	}
}

// services.smtp.max_sessions caps the smtp listeners together: with a
// session open on one and a silent connection on the other, the next
// connection is refused at once with 421 4.3.2. GET /v1/listeners shows
// both; SIGTERM tells both 421 and axd exits well within
// shutdown_timeout, the silent connection (no session yet) included.
func TestServiceCapAndDrain(t *testing.T) {
	t.Parallel()
	d := mailtest.Start(t, mailtest.Options{Config: `
shutdown_timeout: 20s
services:
  smtp: {max_sessions: 2}
listeners:
  smtp: {listen: "127.0.0.1:0"}
  mx2: {service: smtp, listen: "127.0.0.1:0", tls: none}
`})
	dial := func(name string) (net.Conn, *bufio.Reader) {
		t.Helper()
		c, err := net.Dial("tcp", d.Addr(t, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(30 * time.Second))
		return c, bufio.NewReader(c)
	}
	c, rd := dial("smtp")
	_, silentRd := dial("mx2")
	if line, err := silentRd.ReadString('\n'); err != nil || !strings.HasPrefix(line, "220 ") {
		t.Fatalf("silent connection's greeting %q, %v", line, err)
	}
	expect := func(prefix string) {
		t.Helper()
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("reading %q: %v\n%s", prefix, err, d.Log())
			}
			if strings.HasPrefix(line, prefix+" ") {
				return
			}
			if !strings.HasPrefix(line, prefix+"-") {
				t.Fatalf("got %q, want %s", line, prefix)
			}
		}
	}
	expect("220")
	c.Write([]byte("EHLO go.example.net\r\n"))
	expect("250")

	var rs []connected
	python3(t, connectScript, []string{d.Addr(t, "mx2")}, &rs)
	// A hang would end in the client's 10 s timeout, failing the script.
	if len(rs) != 1 || !strings.HasPrefix(rs[0].Reply, "421 4.3.2 Too many connections") {
		t.Errorf("over the service cap: %v, want 421 4.3.2 at once", rs)
	}
	ls, err := d.Client().Listeners(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		switch l.Name {
		case "smtp":
			if l.Active != 1 || l.ServiceActive != 2 || l.MaxSessions != 2 || l.State != control.ListenerServing {
				t.Errorf("smtp = %+v, want 1 active, 2 of a cap of 2 for the service", l)
			}
		case "mx2":
			if l.Active != 1 || l.ServiceActive != 2 || l.Refused["max_sessions"] != 1 {
				t.Errorf("mx2 = %+v, want 1 active and 1 refused for max_sessions", l)
			}
		case "imap":
			if l.State != control.ListenerDisabled {
				t.Errorf("imap state = %s, want disabled", l.State)
			}
		}
	}

	start := time.Now()
	d.Signal(t, syscall.SIGTERM)
	expect("421")
	if line, err := silentRd.ReadString('\n'); err != nil || !strings.HasPrefix(line, "421 ") {
		t.Errorf("silent connection at shutdown got %q, %v; want 421", line, err)
	}
	if code := d.Wait(t, 30*time.Second); code != 0 {
		t.Fatalf("axd exit on SIGTERM = %d\n%s", code, d.Log())
	}
	// Waiting out the silent connection would take the whole 20 s.
	if el := time.Since(start); el >= 20*time.Second {
		t.Errorf("stop took %v: the silent connection held it for shutdown_timeout", el)
	}
}

// A listener that cannot bind fails axd's start, exit 69, naming the key.
func TestBindFailureNamesKey(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "axd.yaml")
	body := "data_dir: " + filepath.Join(dir, "data") + "\nmetrics: {listen: \"\"}\nlisteners:\n"
	for _, name := range []string{"submission", "imap", "pop3"} {
		body += "  " + name + ": {listen: \"\"}\n"
	}
	body += "  lmtp: {listen: \"127.0.0.1:0\"}\n  smtp: {listen: \"" + busy.Addr().String() + "\"}\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := mailtest.Run(t, "", "axd", "--config", cfg)
	if code != 69 || !strings.Contains(errOut, "listeners.smtp.listen") || !strings.Contains(errOut, "address already in use") {
		t.Fatalf("axd with a busy port = %d, %q; want 69 naming listeners.smtp.listen", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "control.sock")); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
}

// axd config check refuses a bad rule, naming the rule's key, exit 78.
func TestConfigCheckNamesRuleKey(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "axd.yaml")
	body := "listeners:\n  smtp:\n    rules:\n      - {match: '*', action: limit}\n      - {match: 192.0.2.0/33, action: deny}\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := mailtest.Run(t, "", "axd", "config", "check", "--config", cfg)
	if code != 78 || !strings.Contains(errOut, "listeners.smtp.rules[1].match") {
		t.Fatalf("config check = %d, %q; want 78 naming listeners.smtp.rules[1].match", code, errOut)
	}
}
