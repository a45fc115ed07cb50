package smtpd

import (
	"strings"
	"testing"
)

// TestTenThousandRecipients pipelines 10,000 RCPTs in one write: the first
// DefaultMaxRecipients are accepted, every other gets 452 4.5.3 (not a
// bad command: the session is not dropped), and the message then reaches
// alice exactly once.
func TestTenThousandRecipients(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	var b strings.Builder
	b.WriteString("MAIL FROM:<a@remote.test>\r\n")
	for range 10000 {
		b.WriteString("RCPT TO:<" + alice + ">\r\n")
	}
	rc.write(b.String())
	if got := rc.reply(); !strings.HasPrefix(got, "250") {
		t.Fatalf("MAIL = %q", got)
	}
	accepted, refused := 0, 0
	for i := range 10000 {
		got := rc.reply()
		switch {
		case strings.HasPrefix(got, "250"):
			accepted++
		case strings.HasPrefix(got, "452 4.5.3"):
			refused++
		default:
			t.Fatalf("RCPT %d = %q", i+1, got)
		}
	}
	if accepted != DefaultMaxRecipients || refused != 10000-DefaultMaxRecipients {
		t.Fatalf("%d accepted and %d refused, want %d and the rest", accepted, refused, DefaultMaxRecipients)
	}
	if got := rc.cmd("DATA\r\n"); !strings.HasPrefix(got, "354") {
		t.Fatalf("DATA = %q", got)
	}
	if got := rc.cmd("Subject: flood\r\n\r\nonce\r\n.\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatalf("end of DATA = %q", got)
	}
	if n := len(e.inbox(alice)); n != 1 {
		t.Fatalf("alice has %d messages, want 1 (one copy per account)", n)
	}
}

// TestPipelinedGarbage sends valid commands and garbage in one write: each
// gets its own reply in order, garbage counts as bad commands, and the
// valid transaction around it still delivers.
func TestPipelinedGarbage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	rc.write("MAIL FROM:<a@remote.test>\r\nFROB\r\n\x00\x01\x02\r\nRCPT TO:<" + alice + ">\r\nRCPT <broken\r\nNOOP\r\n")
	want := []string{"250", "500", "50", "250", "501", "250"}
	for i, w := range want {
		if got := rc.reply(); !strings.HasPrefix(got, w) {
			t.Fatalf("reply %d = %q, want %s", i+1, got, w)
		}
	}
	if got := rc.cmd("DATA\r\n"); !strings.HasPrefix(got, "354") {
		t.Fatalf("DATA = %q", got)
	}
	if got := rc.cmd("Subject: x\r\n\r\nafter garbage\r\n.\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatalf("end of DATA = %q", got)
	}
	if n := len(e.inbox(alice)); n != 1 {
		t.Fatalf("alice has %d messages, want 1", n)
	}
}
