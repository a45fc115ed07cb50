package smtpd

import (
	"bytes"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// An unauthenticated MX client cannot relay, whatever the address trick;
// tricks that land in a local domain are local addresses, never routed.
func TestOpenRelayRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{}, withQueue())
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	rc.cmd("MAIL FROM:<a@remote.test>\r\n")
	for _, tc := range []struct{ rcpt, want string }{
		{"<victim@remote.test>", "550 5.7.1"},
		{"<victim@REMOTE.test>", "550 5.7.1"},
		{"<victim%remote.test@example.org>", "550 5.1.1"},  // percent hack: a local part here
		{"<victim%remote.test@[127.0.0.1]>", "5"},          // percent hack to an address literal
		{"<@example.org:victim@remote.test>", "550 5.7.1"}, // source route: the last hop counts
		{"<@example.org,@mx.example.org:victim@remote.test>", "550 5.7.1"},
		{"<\"victim@remote.test\"@example.org>", "550 5.1.1"}, // quoted @ in the local part
		{"<\"victim@remote.test\">", "5"},                     // quoted, no domain of ours
		{"<remote.test!victim@example.org>", "550 5.1.1"},     // bang path
		{"<remote.test!victim>", "5"},                         // bare bang path
		{"<victim@remote.test@example.org>", "5"},             // two @
		{"<victim@[192.0.2.1]>", "550 5.7.1"},                 // address literal
		{"<postmaster@remote.test>", "550 5.7.1"},
		{"<victim@example.org.remote.test>", "550 5.7.1"},
	} {
		if got := rc.cmd("RCPT TO:" + tc.rcpt + "\r\n"); !strings.HasPrefix(got, tc.want) {
			t.Errorf("RCPT TO:%s = %q, want %q", tc.rcpt, got, tc.want)
		}
	}
	// Tricks in the catch-all domain reach carol, locally.
	rc.cmd("RSET\r\n")
	rc.cmd("MAIL FROM:<a@remote.test>\r\n")
	for _, rcpt := range []string{"<victim%remote.test@catch.test>", "<remote.test!victim@catch.test>", "<\"victim@remote.test\"@catch.test>"} {
		if got := rc.cmd("RCPT TO:" + rcpt + "\r\n"); !strings.HasPrefix(got, "250 ") {
			t.Errorf("RCPT TO:%s = %q, want 250 (catch-all)", rcpt, got)
		}
	}
	rc.cmd("DATA\r\n")
	if got := rc.cmd("Subject: x\r\n\r\nx\r\n.\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("DATA = %q", got)
	}
	if n := len(e.q.List()); n != 0 {
		t.Errorf("queue holds %d messages: relayed", n)
	}
	if n := len(e.inbox(carol)); n != 1 {
		t.Errorf("carol holds %d messages, want 1", n)
	}
}

// Relay networks relay without AUTH; loopback is not implied.
func TestRelayNetworks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		nets []netip.Prefix
		want string
	}{
		{"none", nil, "550 5.7.1"},
		{"other network", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, "550 5.7.1"},
		{"loopback listed", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "250 "},
	} {
		e := newEnv(t, Options{RelayNetworks: tc.nets}, withQueue())
		rc := e.dialRaw()
		rc.cmd("EHLO client.test\r\n")
		rc.cmd("MAIL FROM:<a@example.org>\r\n")
		if got := rc.cmd("RCPT TO:<victim@remote.test>\r\n"); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: RCPT = %q, want %q", tc.name, got, tc.want)
		}
		// Even a relay client cannot route through address tricks.
		if got := rc.cmd("RCPT TO:<victim%other.test@remote.test>\r\n"); !strings.HasPrefix(got, "5") {
			t.Errorf("%s: percent hack = %q, want 5xx", tc.name, got)
		}
	}
	// Without a queue a relay client gets 451, as for alias targets.
	e := newEnv(t, Options{RelayNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	rc.cmd("MAIL FROM:<a@example.org>\r\n")
	if got := rc.cmd("RCPT TO:<victim@remote.test>\r\n"); !strings.HasPrefix(got, "451 4.3.0") {
		t.Errorf("no queue: RCPT = %q, want 451 4.3.0", got)
	}
}

// An authenticated MX client relays; a message to local and remote
// recipients and an alias with a remote target is stored once locally
// and queued once, without Return-Path, with its DSN parameters.
func TestRemoteRecipientsQueued(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{}, withAuth(), withQueue())
	rc := e.dialRaw()
	ehlo := rc.cmd("EHLO client.test\r\n")
	if !strings.Contains(ehlo, "DSN") {
		t.Errorf("EHLO = %q, want DSN", ehlo)
	}
	if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH = %q", got)
	}
	rc.cmd("MAIL FROM:<" + alice + "> RET=HDRS ENVID=abc+2Bdef\r\n")
	for _, to := range []string{
		"<" + bob + ">",
		"<friend@remote.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;friend@remote.test",
		"<mixed@example.org>", // alice and someone@remote.test
		"<Friend@remote.test>",
	} {
		if got := rc.cmd("RCPT TO:" + to + "\r\n"); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("RCPT TO:%s = %q", to, got)
		}
	}
	rc.cmd("DATA\r\n")
	if got := rc.cmd("Subject: out\r\n\r\nbody\r\n.\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("DATA = %q", got)
	}
	if len(e.inbox(bob)) != 1 || len(e.inbox(alice)) != 1 {
		t.Errorf("local copies: bob %d, alice %d, want 1 each", len(e.inbox(bob)), len(e.inbox(alice)))
	}
	msgs := e.q.List()
	if len(msgs) != 1 {
		t.Fatalf("queue holds %d messages, want 1", len(msgs))
	}
	env := msgs[0].Envelope
	var addrs []string
	for _, r := range env.Recipients {
		addrs = append(addrs, r.Address)
	}
	if want := []string{"friend@remote.test", "someone@remote.test"}; !slices.Equal(addrs, want) {
		t.Errorf("queued recipients = %v, want %v", addrs, want)
	}
	if env.From != alice || env.Ret != "HDRS" || env.EnvID != "abc+def" || env.Account != alice || env.ClientIP != "127.0.0.1" {
		t.Errorf("envelope = %+v", env)
	}
	if r := env.Recipients[0]; !slices.Equal(r.Notify, []string{"FAILURE", "DELAY"}) || r.ORcpt != "RFC822;friend@remote.test" {
		t.Errorf("DSN of the first recipient = %+v", r)
	}
	body, err := e.q.Body(msgs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(body)
	body.Close()
	if !bytes.HasPrefix(b, []byte("Received: from client.test")) || !bytes.Contains(b, []byte("Subject: out")) {
		t.Errorf("queued body starts %q, want our Received and no Return-Path", b[:min(len(b), 60)])
	}
}

func TestCheckRemote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"a@remote.test", true},
		{"first.last+tag@sub.remote.test", true},
		{"jörg@bücher.example", true},
		{"a%b@remote.test", false},
		{"host!a@remote.test", false},
		{"a@b@remote.test", false},
		{"a@[192.0.2.1]", false},
		{"a@localhost", false},
		{"a@-bad.test", false},
		{"a@bad..test", false},
		{"@remote.test", false},
		{"a@", false},
		{"a b@remote.test", false},
		{"a@" + strings.Repeat("x", 64) + ".test", false},
	} {
		if err := checkRemote(tc.addr); (err == nil) != tc.ok {
			t.Errorf("checkRemote(%q) = %v, want ok %v", tc.addr, err, tc.ok)
		}
	}
}

// Submission with pipelined BDAT chunks and an SMTPUTF8 recipient: the
// message reaches the local account and the queue byte for byte.
func TestSubmissionBDATPipelined(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeSubmission}, withAuth(), withQueue())
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	if got := rc.authPlain(alice, password); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH = %q", got)
	}
	part1 := "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n"
	part2 := "d\xc3\xa9j\xc3\xa0\r\n.\r\nvu\r\n"
	rc.write("MAIL FROM:<" + alice + "> SMTPUTF8 BODY=8BITMIME\r\nRCPT TO:<" + bob + ">\r\nRCPT TO:<j\xc3\xb6rg@b\xc3\xbccher.example>\r\n" +
		"BDAT " + strconv.Itoa(len(part1)) + "\r\n" + part1 + "BDAT " + strconv.Itoa(len(part2)) + " LAST\r\n" + part2)
	for i, want := range []string{"250 ", "250 ", "250 ", "250 ", "250 "} {
		if got := rc.reply(); !strings.HasPrefix(got, want) {
			t.Fatalf("pipelined reply %d = %q, want %q", i, got, want)
		}
	}
	msgs := e.inbox(bob)
	if len(msgs) != 1 || !bytes.HasSuffix(msgs[0].body, []byte(part1+part2)) || !bytes.Contains(msgs[0].body, []byte("with UTF8SMTPA")) {
		t.Fatalf("bob's inbox: %d messages, want the message with UTF8SMTPA", len(msgs))
	}
	q := e.q.List()
	if len(q) != 1 || q[0].Envelope.Recipients[0].Address != "j\u00f6rg@b\u00fccher.example" {
		t.Fatalf("queue = %+v", q)
	}
	body, err := e.q.Body(q[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(body)
	body.Close()
	if !bytes.HasSuffix(b, []byte(part1+part2)) {
		t.Errorf("queued body ends %q", b[max(0, len(b)-40):])
	}
}

// LMTP with a queue: an alias with a remote target is accepted and its
// remote part queued, each recipient with its own reply.
func TestLMTPRemoteAliasQueued(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Mode: ModeLMTP}, withQueue())
	rc := e.dialRaw()
	rc.cmd("LHLO mta.example.org\r\n")
	rc.cmd("MAIL FROM:<a@remote.test>\r\n")
	for _, r := range []string{"mixed@example.org", bob} {
		if got := rc.cmd("RCPT TO:<" + r + ">\r\n"); !strings.HasPrefix(got, "250") {
			t.Fatalf("RCPT %s = %q", r, got)
		}
	}
	if got := rc.cmd("RCPT TO:<victim@remote.test>\r\n"); !strings.HasPrefix(got, "550 5.7.1") {
		t.Errorf("LMTP relay attempt = %q, want 550 5.7.1", got)
	}
	rc.cmd("DATA\r\n")
	rc.write("Subject: l\r\n\r\nx\r\n.\r\n")
	for _, r := range []string{"mixed@example.org", bob} {
		if got := rc.reply(); !strings.HasPrefix(got, "250") || !strings.Contains(got, r) {
			t.Errorf("reply for %s = %q", r, got)
		}
	}
	if q := e.q.List(); len(q) != 1 || q[0].Envelope.Recipients[0].Address != "someone@remote.test" {
		t.Errorf("queue = %+v, want someone@remote.test", q)
	}
	if len(e.inbox(alice)) != 1 || len(e.inbox(bob)) != 1 {
		t.Error("local copies missing")
	}
}
