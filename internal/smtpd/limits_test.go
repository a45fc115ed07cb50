package smtpd

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
)

// Bad commands reach the listener's Guard: the MaxBadCommands-th gets its
// reply, then 421 and the end of the session, and commands pipelined
// behind it are not acted on.
func TestBadCommandsDrop(t *testing.T) {
	t.Parallel()
	pen := listener.NewPenalties(listener.PenaltyOptions{})
	e := newEnv(t, Options{}, withListener(listener.Options{MaxBadCommands: 3, Penalties: pen}))
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	if got := rc.cmd("FROB\r\n"); !strings.HasPrefix(got, "500 ") {
		t.Fatalf("FROB = %q", got)
	}
	if got := rc.cmd("MAIL FROM:broken\r\n"); !strings.HasPrefix(got, "501 ") {
		t.Fatalf("bad MAIL = %q", got)
	}
	// The third, pipelined with a transaction that must not happen.
	rc.write("RCPT TO:<" + alice + ">\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<" + alice + ">\r\nDATA\r\nSubject: x\r\n\r\nx\r\n.\r\n")
	if got := rc.reply(); !strings.HasPrefix(got, "502 ") {
		t.Fatalf("RCPT before MAIL = %q", got)
	}
	if got := rc.reply(); got != "421 4.7.0 Too many errors, closing connection" {
		t.Fatalf("after the third bad command: %q, want the 421", got)
	}
	if !rc.closed() {
		t.Error("connection still open")
	}
	e.waitIdle()
	if n := len(e.inbox(alice)); n != 0 {
		t.Errorf("alice holds %d messages: a pipelined command ran after the drop", n)
	}
	// After STARTTLS the wrapper sees ciphertext; the session's own bad
	// replies still reach the Guard.
	e3 := newEnv(t, Options{}, withTLS(), withListener(listener.Options{MaxBadCommands: 3}))
	rc3 := e3.dialRaw()
	rc3.cmd("EHLO client.test\r\n")
	rc3.startTLS(e3.tls)
	rc3.cmd("MAIL FROM:<a@remote.test>\r\n")
	for i := 0; i < 2; i++ {
		if got := rc3.cmd("RCPT TO:<a\x01b@example.org>\r\n"); !strings.HasPrefix(got, "501 ") {
			t.Fatalf("bad RCPT %d under TLS = %q", i+1, got)
		}
	}
	if got := rc3.cmd("RCPT TO:<a\x01b@example.org>\r\n"); got != "421 4.7.0 Too many errors, closing connection" {
		t.Fatalf("third bad RCPT under TLS = %q, want the 421", got)
	}
	if !rc3.closed() {
		t.Error("connection still open after the 421 under TLS")
	}
	// go-smtp's own limit (four unknown commands) ends in our 421 too,
	// and a valid session is unaffected.
	e2 := newEnv(t, Options{}, withListener(listener.Options{}))
	rc2 := e2.dialRaw()
	rc2.cmd("EHLO client.test\r\n")
	var last string
	for i := 0; i < 4; i++ {
		last = rc2.cmd("FROB\r\n")
	}
	if !strings.HasPrefix(last, "500 5.5.2") {
		t.Fatalf("fourth FROB = %q", last)
	}
	if got := rc2.reply(); got != "421 4.7.0 Too many errors, closing connection" {
		t.Fatalf("after go-smtp's limit: %q, want our 421", got)
	}
	if res := e2.send("a@remote.test", []string{alice}, "Subject: ok\r\n\r\nok\r\n"); res.data != nil {
		t.Fatalf("delivery after a drop: %v", res.data)
	}
}

// Each limit with its reply: messages per hour (450 4.7.1, counted per
// account across sessions), attachment size (552 5.3.4 naming sizes).
func TestSenderLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeSubmission}, withAuth())
	e.setAccount(alice, directory.Settings{MessagesPerHour: ptr(int64(2))})
	e.setAccount(bob, directory.Settings{MaxAttachmentSize: ptr(int64(1000))})
	send := func(rc *rawConn, from, body string) string {
		if got := rc.cmd("MAIL FROM:<" + from + ">\r\n"); !strings.HasPrefix(got, "250 ") {
			return got
		}
		rc.cmd("RCPT TO:<" + carol + ">\r\n")
		rc.cmd("DATA\r\n")
		return rc.cmd(body + ".\r\n")
	}
	login := func(user string) *rawConn {
		rc := e.dialRaw()
		rc.cmd("EHLO client.test\r\n")
		if got := rc.authPlain(user, password); !strings.HasPrefix(got, "235 ") {
			t.Fatalf("AUTH %s = %q", user, got)
		}
		return rc
	}
	a1, a2 := login(alice), login(alice)
	for i, rc := range []*rawConn{a1, a2} {
		if got := send(rc, alice, "Subject: n\r\n\r\nx\r\n"); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("message %d = %q", i+1, got)
		}
	}
	if got := send(a1, alice, "Subject: n\r\n\r\nx\r\n"); !strings.HasPrefix(got, "450 4.7.1") || !strings.Contains(got, "2 messages per hour") {
		t.Errorf("third message in the hour = %q, want 450 4.7.1 naming the limit", got)
	}
	b := login(bob)
	att := func(n int) string {
		return "Subject: a\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\nContent-Type: application/octet-stream; name=f.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			wrapped(make([]byte, n)) + "\r\n--B--\r\n"
	}
	if got := send(b, bob, att(900)); !strings.HasPrefix(got, "250 ") {
		t.Errorf("900-byte attachment = %q, want 250", got)
	}
	got := send(b, bob, att(1200))
	if !strings.HasPrefix(got, "552 5.3.4") || !strings.Contains(got, "1200 bytes") || !strings.Contains(got, "1000") {
		t.Errorf("1200-byte attachment = %q, want 552 5.3.4 naming both sizes", got)
	}
	if n := len(e.inbox(carol)); n != 3 {
		t.Errorf("carol holds %d messages, want 3", n)
	}
}

// A recipient's attachment limit applies in MX mode (one reply for all)
// and per recipient in LMTP.
func TestRecipientAttachmentLimit(t *testing.T) {
	t.Parallel()
	msg := "Subject: a\r\nContent-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + wrapped(make([]byte, 3000)) + "\r\n"
	e := newEnv(t, Options{})
	e.setAccount(bob, directory.Settings{MaxAttachmentSize: ptr(int64(2000))})
	res := e.send("a@remote.test", []string{alice, bob}, msg)
	if code(res.data) != "552 5.3.4" {
		t.Errorf("MX: DATA = %v, want 552 5.3.4", res.data)
	}
	l := newEnv(t, Options{Mode: ModeLMTP})
	l.setAccount(bob, directory.Settings{MaxAttachmentSize: ptr(int64(2000))})
	rc := l.dialRaw()
	rc.cmd("LHLO client.test\r\n")
	rc.cmd("MAIL FROM:<a@remote.test>\r\n")
	rc.cmd("RCPT TO:<" + alice + ">\r\n")
	rc.cmd("RCPT TO:<" + bob + ">\r\n")
	rc.cmd("DATA\r\n")
	rc.write(msg + ".\r\n")
	if got := rc.reply(); !strings.HasPrefix(got, "250 ") {
		t.Errorf("LMTP alice = %q, want 250", got)
	}
	if got := rc.reply(); !strings.HasPrefix(got, "552 5.3.4") {
		t.Errorf("LMTP bob = %q, want 552 5.3.4", got)
	}
}

func TestHourlyCounter(t *testing.T) {
	t.Parallel()
	h := newHourlyCounter()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if !h.take("a", 3, t0.Add(time.Duration(i)*time.Minute)) {
			t.Fatalf("take %d refused", i)
		}
	}
	if h.take("a", 3, t0.Add(10*time.Minute)) || !h.full("a", 3, t0.Add(10*time.Minute)) {
		t.Error("fourth message within the hour allowed")
	}
	if !h.take("b", 3, t0) {
		t.Error("another account limited by a's count")
	}
	if h.full("a", 3, t0.Add(time.Hour+time.Second)) {
		t.Error("the first message still counts after an hour")
	}
	h.giveBack("b", t0)
	if _, ok := h.times["b"]; ok {
		t.Error("giveBack left b's entry")
	}
	if !h.take("c", 0, t0) || h.full("c", 0, t0) {
		t.Error("limit 0 should mean none")
	}
}

// wrapped is b in base64, in lines of 76.
func wrapped(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(enc) > 76 {
		out.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	return out.String() + enc
}
