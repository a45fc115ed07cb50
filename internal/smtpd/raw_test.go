package smtpd

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/listener"
)

// TestMalformedInput sends raw lines and checks each gets the reply
// expected, then that the session (or the server) is still alive.
func TestMalformedInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	tests := []struct {
		name  string
		lines []string // sent one by one after EHLO, the last one's reply checked
		want  string   // reply prefix
		alive bool     // the session still answers NOOP
	}{
		{"bare LF ends a command line", []string{"NOOP\n"}, "250 ", true},
		{"bare LF unknown command", []string{"FROB\n"}, "500 5.5.2", true},
		{"NUL in a command", []string{"NO\x00P\r\n"}, "500 5.5.2", true},
		{"NUL in a mangled command", []string{"NOOP\x00x\r\n"}, "501 5.5.2", true},
		{"NUL in the sender", []string{"MAIL FROM:<a\x00b@remote.test>\r\n"}, "501 ", true},
		{"control character in the recipient", []string{"MAIL FROM:<a@remote.test>\r\n", "RCPT TO:<al\x01ice@example.org>\r\n"}, "501 ", true},
		{"RCPT before MAIL", []string{"RCPT TO:<alice@example.org>\r\n"}, "502 5.5.1", true},
		{"DATA before RCPT", []string{"MAIL FROM:<a@remote.test>\r\n", "DATA\r\n"}, "502 5.5.1", true},
		{"over-long command line", []string{"NOOP " + strings.Repeat("x", 5000) + "\r\n"}, "500 5.4.0", false},
		{"unknown MAIL parameter", []string{"MAIL FROM:<a@remote.test> X-EVIL=1\r\n"}, "500 5.5.4", true},
		{"8-bit garbage", []string{"\xff\xfe\xfd\xfc\r\n"}, "500 5.5.2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := e.dialRaw()
			rc.cmd("EHLO client.test\r\n")
			var got string
			for _, l := range tt.lines {
				got = rc.cmd(l)
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("reply = %q, want %q", got, tt.want)
			}
			if tt.alive {
				if got := rc.cmd("NOOP\r\n"); !strings.HasPrefix(got, "250") {
					t.Errorf("NOOP after = %q, want 250", got)
				}
			}
		})
	}
	// The server survived all of it.
	if res := e.send("a@remote.test", []string{alice}, "Subject: after\r\n\r\nok\r\n"); res.data != nil {
		t.Fatalf("delivery after malformed input: %v", res.data)
	}
}

// TestNoSmuggling sends a message whose body holds a bare "LF.LF" and
// commands after it (SMTP smuggling): only CRLF.CRLF ends DATA, so they are
// part of the one message.
func TestNoSmuggling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	rc.cmd("MAIL FROM:<a@remote.test>\r\n")
	rc.cmd("RCPT TO:<" + alice + ">\r\n")
	if got := rc.cmd("DATA\r\n"); !strings.HasPrefix(got, "354") {
		t.Fatalf("DATA = %q", got)
	}
	smuggled := "Subject: a\r\n\r\nhi\n.\nMAIL FROM:<x@remote.test>\nRCPT TO:<bob@example.org>\nDATA\nSubject: smuggled\n\r.\r\n"
	rc.write(smuggled + "\r\n.\r\n")
	if got := rc.reply(); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("end of DATA = %q, want 250 (one message)", got)
	}
	if got := rc.cmd("NOOP\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatalf("NOOP = %q: a smuggled command was answered", got)
	}
	if n := len(e.inbox(bob)); n != 0 {
		t.Errorf("%s holds %d messages: smuggled", bob, n)
	}
	msgs := e.inbox(alice)
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].body), "Subject: smuggled") {
		t.Fatalf("%s: %d messages; want one holding the smuggled text", alice, len(msgs))
	}
}

// Malformed AUTH input: each is refused with a reply and the session
// goes on (or ends cleanly for an over-long line).
func TestAuthGarbage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeSubmission}, withAuth(),
		withListener(listener.Options{MaxAuthFailures: -1, MaxBadCommands: -1}))
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name  string
		lines []string
		want  string
		alive bool
	}{
		{"bad base64 initial response", []string{"AUTH PLAIN !!!notbase64\r\n"}, "454 4.7.0", true},
		{"bad base64 continuation", []string{"AUTH PLAIN\r\n", "%%%\r\n"}, "454 4.7.0", true},
		{"cancelled", []string{"AUTH LOGIN\r\n", "*\r\n"}, "501 5.0.0", true},
		{"PLAIN without NULs", []string{"AUTH PLAIN " + b64([]byte("alice")) + "\r\n"}, "501 5.5.2", true},
		{"PLAIN with four fields", []string{"AUTH PLAIN " + b64([]byte("\x00a\x00b\x00c")) + "\r\n"}, "501 5.5.2", true},
		{"PLAIN empty user", []string{"AUTH PLAIN " + b64([]byte("\x00\x00pw")) + "\r\n"}, "501 5.5.2", true},
		{"PLAIN control in user", []string{"AUTH PLAIN " + b64([]byte("\x00a\x01b\x00pw")) + "\r\n"}, "501 5.5.2", true},
		{"PLAIN oversized password", []string{"AUTH PLAIN " + b64([]byte("\x00"+alice+"\x00"+strings.Repeat("p", 1200))) + "\r\n"}, "501 5.5.2", true},
		{"LOGIN invalid UTF-8 user", []string{"AUTH LOGIN\r\n", b64([]byte("\xff\xfe")) + "\r\n"}, "501 5.5.2", true},
		{"unknown mechanism", []string{"AUTH CRAM-MD5\r\n"}, "504 5.7.4", true},
		{"no mechanism", []string{"AUTH\r\n"}, "502 5.5.4", true},
		{"over-long SASL response", []string{"AUTH LOGIN\r\n", strings.Repeat("QUFB", 1000) + "\r\n"}, "500 5.4.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := e.dialRaw()
			rc.cmd("EHLO client.test\r\n")
			var got string
			for _, l := range tt.lines {
				got = rc.cmd(l)
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("reply = %q, want %q", got, tt.want)
			}
			if tt.alive {
				if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "235 ") {
					t.Errorf("AUTH after = %q, want 235", got)
				}
			}
		})
	}
}
