package smtpd

import (
	"net/mail"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestReceived(t *testing.T) {
	t.Parallel()
	date := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
	tests := []struct {
		name string
		tr   trace
		want string
	}{
		{"IPv4, one recipient",
			trace{Helo: "client.example", IP: netip.MustParseAddr("192.0.2.1"), By: "mx.test", With: "ESMTP", ID: "ID1", For: "a@b.test", Date: date},
			"Received: from client.example ([192.0.2.1])\r\n\tby mx.test with ESMTP id ID1\r\n\tfor <a@b.test>;\r\n\tThu, 02 Jan 2025 03:04:05 +0100\r\n"},
		{"IPv6 mapped IPv4, several recipients",
			trace{Helo: "[192.0.2.1]", IP: netip.MustParseAddr("::ffff:192.0.2.1"), By: "mx.test", With: "ESMTPS", ID: "ID2", Date: date},
			"Received: from [192.0.2.1] ([192.0.2.1])\r\n\tby mx.test with ESMTPS id ID2;\r\n\tThu, 02 Jan 2025 03:04:05 +0100\r\n"},
		{"IPv6, unix socket name",
			trace{Helo: "h", IP: netip.MustParseAddr("2001:db8::1"), By: "mx.test", With: "LMTP", ID: "ID3", Date: date},
			"Received: from h ([IPv6:2001:db8::1])\r\n\tby mx.test with LMTP id ID3;\r\n\tThu, 02 Jan 2025 03:04:05 +0100\r\n"},
		{"no IP, hostile EHLO and recipient",
			trace{Helo: "evil\r\nBcc: x (y); z", By: "mx.test", With: "LMTP", ID: "ID4", For: "a;b@c>\r\nX: y", Date: date},
			"Received: from evil??Bcc:?x??y???z\r\n\tby mx.test with LMTP id ID4;\r\n\tThu, 02 Jan 2025 03:04:05 +0100\r\n"},
		{"empty EHLO, UTF-8 recipient",
			trace{By: "mx.test", With: "UTF8SMTP", ID: "ID5", For: "jörg@b.test", Date: date},
			"Received: from unknown\r\n\tby mx.test with UTF8SMTP id ID5\r\n\tfor <jörg@b.test>;\r\n\tThu, 02 Jan 2025 03:04:05 +0100\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tr.received(); got != tt.want {
				t.Errorf("received() =\n%q\nwant\n%q", got, tt.want)
			}
			checkReceived(t, tt.tr.received(), date)
		})
	}
}

// checkReceived fails unless h is one well-formed Received field: folded
// with CRLF TAB only, no other control character, valid UTF-8, and ending
// in the date after the last "; ".
func checkReceived(t *testing.T, h string, date time.Time) {
	t.Helper()
	if !strings.HasPrefix(h, "Received: from ") || !strings.HasSuffix(h, "\r\n") {
		t.Fatalf("not a Received field: %q", h)
	}
	if !utf8.ValidString(h) {
		t.Fatalf("invalid UTF-8: %q", h)
	}
	lines := strings.Split(strings.TrimSuffix(h, "\r\n"), "\r\n")
	for i, l := range lines {
		if i > 0 && !strings.HasPrefix(l, "\t") {
			t.Fatalf("line %d not folded: %q", i, h)
		}
		if strings.ContainsFunc(l[min(i, 1):], isControl) {
			t.Fatalf("control character in line %d: %q", i, h)
		}
	}
	i := strings.LastIndex(h, ";\r\n\t")
	if i < 0 {
		t.Fatalf("no date clause: %q", h)
	}
	if strings.Count(h, ";") != 1 {
		t.Fatalf("';' outside the date clause: %q", h)
	}
	d, err := mail.ParseDate(strings.TrimSpace(h[i+1:]))
	if err != nil || !d.Equal(date) {
		t.Fatalf("date %q = %v, %v; want %v", h[i+1:], d, err, date)
	}
}

func FuzzReceived(f *testing.F) {
	f.Add("client.example", "a@b.test", []byte{192, 0, 2, 1}, true)
	f.Add("evil\r\nBcc: x", "a;b@c>\r\nX: y", []byte{}, false)
	f.Add("[IPv6:::1]", "jörg@b.test", []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, false)
	f.Add("", "", []byte{}, true)
	f.Add(strings.Repeat("h", 600), strings.Repeat("\xff", 10), []byte{1, 2, 3}, true)
	date := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, helo, rcpt string, ip []byte, tls bool) {
		addr, _ := netip.AddrFromSlice(ip)
		with := "ESMTP"
		if tls {
			with = "ESMTPS"
		}
		h := trace{Helo: helo, IP: addr, By: "mx.test", With: with, ID: "ID", For: rcpt, Date: date}.received()
		checkReceived(t, h, date)
	})
}
