package daemon

import (
	"testing"

	"github.com/axmail/axmail/internal/mailtest"
)

// smtpFeaturesScript drives a real axd's MX and submission listeners and
// prints the reply code of each case.
const smtpFeaturesScript = `
import base64, json, smtplib, socket, sys
host, mx, sub = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out = {}

def mx_client():
    s = smtplib.SMTP(host, mx, local_hostname="py.example.net", timeout=10)
    s.ehlo()
    return s

def send(s, frm, rcpts, body, mail_opts=()):
    code, _ = s.mail(frm, list(mail_opts))
    if code != 250:
        s.rset()
        return {"mail": code}
    got = {}
    for r in rcpts:
        got[r] = s.rcpt(r)[0]
    if not any(c == 250 for c in got.values()):
        s.rset()
        return got
    got["data"] = s.data(body)[0]
    return got

s = mx_client()
# One message to three accounts by five routes: direct, alias, plus tag,
# catch-all, and alice three times over.
out["multi"] = send(s, "a@remote.test", ["alice@example.org", "bob@example.org", "team@example.org", "alice+news@example.org", "nobody@example.org"],
                    b"Subject: multi\r\n\r\nfor three accounts\r\n")
# SMTPUTF8 sender and recipient, and an 8-bit body.
out["utf8"] = send(s, "jos\u00e9@remote.test", ["alice@example.org"], "Subject: caf\u00e9\r\n\r\nna\u00efve body\r\n".encode(), ["SMTPUTF8", "BODY=8BITMIME"])
out["8bit"] = send(s, "a@remote.test", ["bob@example.org"], "Subject: 8bit\r\n\r\n\u00e9t\u00e9 \u00e0 Z\u00fcrich\r\n".encode(), ["BODY=8BITMIME"])
# Limits, each its own code.
out["size"] = send(s, "a@remote.test", ["small@example.org"], b"Subject: big\r\n\r\n" + (b"y" * 98 + b"\r\n") * 40)
out["quota"] = send(s, "a@remote.test", ["full@example.org"], b"Subject: fills\r\n\r\n" + (b"q" * 98 + b"\r\n") * 20)
att = base64.encodebytes(b"\x00" * 6000).replace(b"\n", b"\r\n")
mime = (b"Subject: attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
        b"--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n" + att + b"--b1--\r\n")
out["attachment"] = send(s, "a@remote.test", ["att@example.org"], mime)
out["recipients"] = send(s, "a@remote.test", ["alice+%d@example.org" % i for i in range(101)], b"Subject: many\r\n\r\nx\r\n")
out["relay"] = send(s, "a@remote.test", ["victim@remote.test", "victim@[192.0.2.1]", "@example.org:victim@remote.test"], b"Subject: relay\r\n\r\nno\r\n")
s.quit()

# BDAT (CHUNKING) by hand: smtplib has no BDAT.
c = socket.create_connection((host, mx), timeout=10)
f = c.makefile("rb")
def reply():
    while True:
        line = f.readline().decode()
        if line[3:4] != "-":
            return int(line[:3])
reply()
body = b"Subject: chunked\r\n\r\nin two chunks\r\n"
c.sendall(b"EHLO py.example.net\r\n"); reply()
c.sendall(b"MAIL FROM:<a@remote.test>\r\nRCPT TO:<carol@example.org>\r\n"); reply(); reply()
c.sendall(b"BDAT 10\r\n" + body[:10]); first = reply()
c.sendall(b"BDAT %d LAST\r\n" % (len(body) - 10) + body[10:]); last = reply()
out["bdat"] = [first, last]
c.sendall(b"QUIT\r\n"); c.close()

# Messages sent per hour by an authenticated account (limit 2).
s = smtplib.SMTP(host, sub, local_hostname="py.example.net", timeout=10)
s.login("alice@example.org", "wonderland-7")
out["hourly"] = [send(s, "alice@example.org", ["bob@example.org"], b"Subject: h%d\r\n\r\nx\r\n" % i) for i in range(3)]
s.quit()
print(json.dumps(out))
`

// The SMTP features and limits of issue 4 through a real axd: one message
// to three accounts by aliases, a catch-all and a plus tag; SMTPUTF8 and
// 8-bit; BDAT; the exact code of each limit (size 552 5.3.4, quota 452
// 4.2.2, attachment 552 5.3.4, recipients 452 4.5.3, messages per hour
// 450 4.7.1); relay tricks refused.
func TestSMTPFeaturesThroughAxd(t *testing.T) {
	t.Parallel()
	d := mailtest.Start(t, mailtest.Options{Config: `
listeners:
  smtp: {listen: "127.0.0.1:0"}
  submission: {listen: "127.0.0.1:0"}
`})
	ctl := func(stdin string, args ...string) {
		t.Helper()
		if _, errOut, code := mailtest.Run(t, stdin, "axctl", append([]string{"--socket", d.Socket}, args...)...); code != 0 {
			t.Fatalf("axctl %v: exit %d: %s", args, code, errOut)
		}
	}
	ctl("", "domain", "add", "example.org")
	addUser(t, d, "alice@example.org", "wonderland-7")
	ctl("", "account", "set", "alice@example.org", "--messages-per-hour", "2")
	for _, a := range [][]string{
		{"bob@example.org"}, {"carol@example.org"},
		{"small@example.org", "--max-message-size", "2K"},
		{"full@example.org", "--quota", "1K"},
		{"att@example.org", "--max-attachment-size", "2K"},
	} {
		ctl("", append([]string{"account", "add"}, a...)...)
	}
	ctl("", "alias", "add", "team@example.org", "alice@example.org", "bob@example.org")
	ctl("", "alias", "add", "@example.org", "carol@example.org")

	var r struct {
		Multi      map[string]int   `json:"multi"`
		UTF8       map[string]int   `json:"utf8"`
		Bit8       map[string]int   `json:"8bit"`
		Size       map[string]int   `json:"size"`
		Quota      map[string]int   `json:"quota"`
		Attachment map[string]int   `json:"attachment"`
		Recipients map[string]int   `json:"recipients"`
		Relay      map[string]int   `json:"relay"`
		BDAT       []int            `json:"bdat"`
		Hourly     []map[string]int `json:"hourly"`
	}
	python3(t, smtpFeaturesScript, []string{"127.0.0.1", hostPort(d.Addr(t, "smtp"))[1], hostPort(d.Addr(t, "submission"))[1]}, &r)

	for rcpt, code := range r.Multi {
		if code != 250 {
			t.Errorf("multi-recipient: %s got %d, want 250", rcpt, code)
		}
	}
	if r.UTF8["data"] != 250 || r.Bit8["data"] != 250 {
		t.Errorf("SMTPUTF8 %v, 8BITMIME %v: want 250", r.UTF8, r.Bit8)
	}
	if r.Size["data"] != 552 && r.Size["small@example.org"] != 552 {
		t.Errorf("over the size limit: %v, want 552", r.Size)
	}
	if r.Quota["full@example.org"] != 452 && r.Quota["data"] != 452 {
		t.Errorf("over quota: %v, want 452", r.Quota)
	}
	if r.Attachment["data"] != 552 {
		t.Errorf("attachment over the limit: %v, want 552 at DATA", r.Attachment)
	}
	over := 0
	for _, code := range r.Recipients {
		if code == 452 {
			over++
		}
	}
	if over != 1 || r.Recipients["data"] != 250 {
		t.Errorf("101 recipients: %d refused with 452, DATA %d; want 1 and 250", over, r.Recipients["data"])
	}
	for rcpt, code := range r.Relay {
		if rcpt != "mail" && code < 500 {
			t.Errorf("relay attempt %s got %d, want a 5xx refusal", rcpt, code)
		}
	}
	if len(r.BDAT) != 2 || r.BDAT[0] != 250 || r.BDAT[1] != 250 {
		t.Errorf("BDAT replies %v, want 250 250", r.BDAT)
	}
	if len(r.Hourly) != 3 || r.Hourly[0]["data"] != 250 || r.Hourly[1]["data"] != 250 {
		t.Fatalf("messages per hour 2: %v; want the first two accepted", r.Hourly)
	}
	refused := false
	for _, code := range r.Hourly[2] {
		refused = refused || code == 450
	}
	if !refused || r.Hourly[2]["data"] == 250 {
		t.Errorf("the third message in the hour: %v, want 450", r.Hourly[2])
	}
	// One copy per account: alice reached by four routes holds the multi
	// message once.
	for acct, want := range map[string]int64{"alice@example.org": 1 + 1 + 1, "bob@example.org": 1 + 1 + 2, "carol@example.org": 1 + 1, "small@example.org": 0, "full@example.org": 0, "att@example.org": 0} {
		if got := messages(t, d, acct); got != want {
			t.Errorf("%s holds %d messages, want %d", acct, got, want)
		}
	}
}
