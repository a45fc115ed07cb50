package listener

import (
	"net/netip"
	"testing"
)

func TestPasswordsAllowed(t *testing.T) {
	lo, remote := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("192.0.2.7")
	for _, c := range []struct {
		tls, insecure, loInsecure bool
		ip                        netip.Addr
		want                      bool
	}{
		{false, false, false, remote, false},
		{true, false, false, remote, true},
		{false, true, false, remote, true},
		{false, false, false, lo, true},
		{false, false, true, lo, false},
		{false, false, false, netip.Addr{}, false}, // a unix-socket client
	} {
		if got := PasswordsAllowed(c.tls, c.insecure, c.loInsecure, c.ip); got != c.want {
			t.Errorf("PasswordsAllowed(%v, %v, %v, %v) = %v", c.tls, c.insecure, c.loInsecure, c.ip, got)
		}
	}
}

func TestHostname(t *testing.T) {
	if got := Hostname("mx.example.org"); got != "mx.example.org" {
		t.Errorf("Hostname(given) = %q", got)
	}
	if got := Hostname(""); got == "" {
		t.Error("Hostname(\"\") is empty")
	}
}
