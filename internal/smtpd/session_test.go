package smtpd

import (
	"strings"
	"testing"
)

func TestRcptReplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	tests := []struct {
		name, rcpt, want string
	}{
		{"account", alice, "250"},
		{"account any case", "ALICE@Example.ORG", "250"},
		{"alias", "team@example.org", "250"},
		{"plus address", "bob+lists@example.org", "250"},
		{"catch-all", "whoever@catch.test", "250"},
		{"alias with a disabled member", "half@example.org", "250"},
		{"unknown user", "nobody@example.org", "550 5.1.1"},
		{"relay", "victim@remote.test", "550 5.7.1"},
		{"relay look-alike", "alice@example.org.remote.test", "550 5.7.1"},
		{"disabled account", dave, "550 5.2.1"},
		{"service not allowed", erin, "550 5.2.1"},
		{"alias with a remote member", "mixed@example.org", "451 4.3.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.send("sender@remote.test", []string{tt.rcpt}, "Subject: x\r\n\r\nx\r\n")
			if got := code(res.rcpt[0]); got != tt.want {
				t.Errorf("RCPT TO:<%s> = %s, want %s", tt.rcpt, got, tt.want)
			}
		})
	}
	if !strings.Contains(e.logs.String(), "remote delivery not available") {
		t.Errorf("remote alias member not logged")
	}
}

func TestQuotaAtRcpt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	if res := e.send("a@remote.test", []string{full}, "Subject: 1\r\n\r\none\r\n"); res.data != nil {
		t.Fatalf("first message to %s: %v", full, res.data)
	}
	// full now holds its one message: refused at RCPT, alice still served.
	res := e.send("a@remote.test", []string{full, alice}, "Subject: 2\r\n\r\ntwo\r\n")
	if got := code(res.rcpt[0]); got != "452 4.2.2" {
		t.Errorf("RCPT over quota = %s, want 452 4.2.2", got)
	}
	if got := code(res.rcpt[1]); got != "250" || res.data != nil {
		t.Errorf("RCPT alice = %s, DATA = %v; want both accepted", got, res.data)
	}
	if n := len(e.inbox(full)); n != 1 {
		t.Errorf("%s holds %d messages, want 1", full, n)
	}
	if n := len(e.inbox(alice)); n != 1 {
		t.Errorf("%s holds %d messages, want 1", alice, n)
	}
}

func TestTooManyRecipients(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MaxRecipients: 2})
	res := e.send("a@remote.test", []string{alice, bob, carol}, "Subject: x\r\n\r\nx\r\n")
	want := []string{"250", "250", "452 4.5.3"}
	for i, w := range want {
		if got := code(res.rcpt[i]); got != w {
			t.Errorf("RCPT %d = %s, want %s", i+1, got, w)
		}
	}
	if res.data != nil {
		t.Errorf("DATA = %v, want 250 for the two accepted", res.data)
	}
}

func TestDefaultMaxRecipients(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	rc.cmd("MAIL FROM:<a@remote.test>\r\n")
	// Pipelined: DefaultMaxRecipients accepted, the next refused.
	var b strings.Builder
	for i := 0; i <= DefaultMaxRecipients; i++ {
		b.WriteString("RCPT TO:<alice@example.org>\r\n")
	}
	rc.write(b.String())
	for i := 0; i <= DefaultMaxRecipients; i++ {
		got := rc.reply()
		want := "250 "
		if i == DefaultMaxRecipients {
			want = "452 4.5.3"
		}
		if !strings.HasPrefix(got, want) {
			t.Fatalf("RCPT %d = %q, want %s", i+1, got, want)
		}
	}
	// The same account a hundred times over is one copy.
	if got := rc.cmd("DATA\r\n"); !strings.HasPrefix(got, "354") {
		t.Fatalf("DATA = %q", got)
	}
	if got := rc.cmd("Subject: x\r\n\r\nx\r\n.\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("end of DATA = %q", got)
	}
	if n := len(e.inbox(alice)); n != 1 {
		t.Errorf("%s holds %d messages, want 1", alice, n)
	}
}

func TestSizeDeclaredAtMail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MaxMessageSize: 1 << 20})
	rc := e.dialRaw()
	ehlo := rc.cmd("EHLO client.test\r\n")
	if !strings.Contains(ehlo, "250-SIZE 1048576") {
		t.Errorf("EHLO does not advertise SIZE 1048576:\n%s", ehlo)
	}
	for _, c := range []string{"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "CHUNKING"} {
		if !strings.Contains(ehlo, c) {
			t.Errorf("EHLO does not advertise %s", c)
		}
	}
	if got := rc.cmd("MAIL FROM:<a@remote.test> SIZE=2000000\r\n"); !strings.HasPrefix(got, "552 5.3.4") {
		t.Errorf("MAIL SIZE over the server cap = %q, want 552 5.3.4", got)
	}
	if got := rc.cmd("MAIL FROM:<a@remote.test> SIZE=2000\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatalf("MAIL SIZE=2000 = %q", got)
	}
	if got := rc.cmd("RCPT TO:<" + small + ">\r\n"); !strings.HasPrefix(got, "552 5.3.4") {
		t.Errorf("RCPT with SIZE over the account's limit = %q, want 552 5.3.4", got)
	}
	if got := rc.cmd("RCPT TO:<" + alice + ">\r\n"); !strings.HasPrefix(got, "250") {
		t.Errorf("RCPT alice = %q, want 250", got)
	}
}

func TestRcptTemporaryStoreFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	// A closed store answers Usage with an error: the RCPT of an account
	// with a quota must be a 4xx, never a 5xx.
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	res := e.send("a@remote.test", []string{full}, "x\r\n")
	if got := code(res.rcpt[0]); got != "451 4.3.0" {
		t.Errorf("RCPT with the store closed = %s, want 451 4.3.0", got)
	}
	// Not tested: DATA against a closed store, whose Deliver queues the
	// request and then waits for a committer that has exited.
}
