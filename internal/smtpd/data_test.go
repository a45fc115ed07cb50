package smtpd

import (
	"bytes"
	"context"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/store"
)

func TestDeliverStoredOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	body := "From: a@remote.test\r\nSubject: hello\r\n\r\nhello\r\n"

	// alice directly, through team@, and through a plus address; bob
	// through team@ and directly; carol through the catch-all.
	rcpts := []string{alice, "team@example.org", "alice+x@example.org", bob, "anyone@catch.test"}
	res := e.send("a@remote.test", rcpts, body)
	for i, err := range res.rcpt {
		if err != nil {
			t.Fatalf("RCPT %s: %v", rcpts[i], err)
		}
	}
	if res.data != nil {
		t.Fatalf("DATA: %v", res.data)
	}
	var guid store.GUID
	for i, acct := range []string{alice, bob, carol} {
		msgs := e.inbox(acct)
		if len(msgs) != 1 {
			t.Fatalf("%s holds %d messages, want 1", acct, len(msgs))
		}
		if i == 0 {
			guid = msgs[0].guid
		} else if msgs[0].guid != guid {
			t.Errorf("%s has GUID %s, alice %s: want one stored copy", acct, msgs[0].guid, guid)
		}
		if !bytes.HasSuffix(msgs[0].body, []byte(body)) {
			t.Errorf("%s: stored message does not end with the message sent:\n%s", acct, msgs[0].body)
		}
		if bytes.Contains(msgs[0].body, []byte("for <")) {
			t.Errorf("%s: Received names a recipient of several:\n%s", acct, msgs[0].body)
		}
	}
	for _, acct := range []string{full, small, dave, erin} {
		if n := len(e.inbox(acct)); n != 0 {
			t.Errorf("%s holds %d messages, want 0", acct, n)
		}
	}
}

func TestTraceHeadersAnd8Bit(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	e := newEnv(t, Options{Now: func() time.Time { return now }})
	// 8-bit body: Latin-1 bytes, UTF-8, a NUL-free binary-ish line and a
	// leading dot that the client stuffs and the server unstuffs.
	body := "Subject: caf\xc3\xa9\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9 \xff\xfe\x80\r\n.dot line\r\n\xc3\xa9t\xc3\xa9\r\n"
	res := e.send("bounce+x@remote.test", []string{"bob+tag@example.org"}, body)
	if res.rcpt[0] != nil || res.data != nil {
		t.Fatalf("send: rcpt %v, data %v", res.rcpt[0], res.data)
	}
	msgs := e.inbox(bob)
	if len(msgs) != 1 {
		t.Fatalf("%s holds %d messages, want 1", bob, len(msgs))
	}
	got := msgs[0].body
	if !bytes.HasSuffix(got, []byte(body)) {
		t.Fatalf("8-bit body not preserved byte for byte:\ngot  %q\nwant suffix %q", got, body)
	}
	hdr := string(got[:len(got)-len(body)])
	if !strings.HasPrefix(hdr, "Return-Path: <bounce+x@remote.test>\r\nReceived: from client.example.net ([127.0.0.1])\r\n\tby mx.example.org with UTF8SMTP id ") {
		// net/smtp declares SMTPUTF8 whenever the server offers it.
		t.Errorf("trace headers:\n%s", hdr)
	}
	if !strings.Contains(hdr, "\r\n\tfor <bob+tag@example.org>;\r\n\tTue, 04 Mar 2025 05:06:07 +0000\r\n") {
		t.Errorf("Received lacks the recipient or the date:\n%s", hdr)
	}
	m, err := mail.ReadMessage(bytes.NewReader(got))
	if err != nil {
		t.Fatalf("stored message does not parse: %v", err)
	}
	if rp := m.Header.Get("Return-Path"); rp != "<bounce+x@remote.test>" {
		t.Errorf("Return-Path = %q", rp)
	}
	if len(m.Header["Received"]) != 1 {
		t.Errorf("Received fields = %q, want one", m.Header["Received"])
	}
}

func TestSizeLimitWhileReading(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 98)+"\r\n", 100) // 10 KiB > 1024
	res := e.send("a@remote.test", []string{small, alice}, big)
	if got := code(res.data); got != "552 5.3.4" {
		t.Errorf("DATA over %s's limit = %s, want 552 5.3.4", small, got)
	}
	for _, acct := range []string{small, alice} {
		if n := len(e.inbox(acct)); n != 0 {
			t.Errorf("%s holds %d messages after a refused DATA, want 0", acct, n)
		}
	}
	// The session goes on: a message within the limit is taken.
	res = e.send("a@remote.test", []string{small}, "Subject: small\r\n\r\nok\r\n")
	if res.data != nil {
		t.Errorf("DATA within the limit: %v", res.data)
	}

	// The server's cap applies to recipients without a limit.
	e2 := newEnv(t, Options{MaxMessageSize: 4096})
	res = e2.send("a@remote.test", []string{alice}, big)
	if got := code(res.data); got != "552 5.3.4" {
		t.Errorf("DATA over the server cap = %s, want 552 5.3.4", got)
	}
	if n := len(e2.inbox(alice)); n != 0 {
		t.Errorf("%s holds %d messages, want 0", alice, n)
	}
}

func TestBDAT(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	rc.cmd("MAIL FROM:<a@remote.test>\r\n")
	rc.cmd("RCPT TO:<" + alice + ">\r\n")
	part1 := "Subject: chunks\r\n\r\n"
	part2 := "one\r\n.\r\ntwo\r\n" // a lone dot is data under BDAT
	if got := rc.cmd("BDAT " + strconv.Itoa(len(part1)) + "\r\n" + part1); !strings.HasPrefix(got, "250") {
		t.Fatalf("BDAT = %q", got)
	}
	if got := rc.cmd("BDAT " + strconv.Itoa(len(part2)) + " LAST\r\n" + part2); !strings.HasPrefix(got, "250") {
		t.Fatalf("BDAT LAST = %q", got)
	}
	msgs := e.inbox(alice)
	if len(msgs) != 1 {
		t.Fatalf("%s holds %d messages after BDAT, want 1", alice, len(msgs))
	}
	if !bytes.HasSuffix(msgs[0].body, []byte(part1+part2)) {
		t.Errorf("stored after BDAT: %q, want suffix %q", msgs[0].body, part1+part2)
	}
}

func TestDisconnectMidData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, tc := range []struct{ name, cmd, data string }{
		{"DATA", "DATA\r\n", "Subject: cut\r\n\r\nhalf a mess"},
		{"BDAT", "BDAT 100 LAST\r\n", "Subject: cut\r\n\r\nhalf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := e.dialRaw()
			rc.cmd("EHLO client.test\r\n")
			rc.cmd("MAIL FROM:<a@remote.test>\r\n")
			rc.cmd("RCPT TO:<" + alice + ">\r\n")
			rc.write(tc.cmd)
			if tc.cmd == "DATA\r\n" {
				if got := rc.reply(); !strings.HasPrefix(got, "354") {
					t.Fatalf("DATA = %q", got)
				}
			}
			rc.write(tc.data)
			rc.c.Close()
			e.waitIdle()
			if n := len(e.inbox(alice)); n != 0 {
				t.Errorf("%s holds %d messages after a cut transfer, want 0", alice, n)
			}
		})
	}
}

func TestLMTPPerRecipient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeLMTP})
	// full already holds its one message.
	if _, err := e.st.Append(context.Background(), full, store.Inbox, []byte("Subject: old\r\n\r\nold\r\n"), 0, nil, time.Time{}, store.Quota{}); err != nil {
		t.Fatal(err)
	}
	rc := e.dialRaw()
	if got := rc.cmd("EHLO client.test\r\n"); !strings.HasPrefix(got, "500") {
		t.Errorf("EHLO on LMTP = %q, want 500", got)
	}
	if got := rc.cmd("LHLO mta.example.org\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatalf("LHLO = %q", got)
	}
	rc.cmd("MAIL FROM:<a@remote.test>\r\n")
	rcpts := []string{full, alice, small, "team@example.org"}
	for _, r := range rcpts {
		if got := rc.cmd("RCPT TO:<" + r + ">\r\n"); !strings.HasPrefix(got, "250") {
			t.Fatalf("RCPT %s = %q (LMTP checks quota at DATA)", r, got)
		}
	}
	if got := rc.cmd("DATA\r\n"); !strings.HasPrefix(got, "354") {
		t.Fatalf("DATA = %q", got)
	}
	rc.write("Subject: lmtp\r\n\r\n" + strings.Repeat(strings.Repeat("y", 98)+"\r\n", 20) + ".\r\n")
	want := []string{"452 4.2.2", "250 2.0.0", "552 5.3.4", "250 2.0.0"}
	for i, w := range want {
		got := rc.reply()
		if !strings.HasPrefix(got, w) || !strings.Contains(got, "<"+rcpts[i]+">") {
			t.Errorf("reply for %s = %q, want %s", rcpts[i], got, w)
		}
	}
	if n := len(e.inbox(full)); n != 1 {
		t.Errorf("%s holds %d messages, want 1", full, n)
	}
	if n := len(e.inbox(small)); n != 0 {
		t.Errorf("%s holds %d messages, want 0", small, n)
	}
	a, b := e.inbox(alice), e.inbox(bob)
	if len(a) != 1 || len(b) != 1 || a[0].guid != b[0].guid {
		t.Fatalf("alice %d, bob %d messages; want one shared copy", len(a), len(b))
	}
	if !bytes.Contains(a[0].body, []byte(" with LMTP id ")) {
		t.Errorf("Received does not say LMTP:\n%.300s", a[0].body)
	}
}
