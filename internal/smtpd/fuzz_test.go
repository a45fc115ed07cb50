package smtpd

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParsePlain checks that a PLAIN response is either refused or split
// into bounded fields that rebuild it exactly.
func FuzzParsePlain(f *testing.F) {
	for _, s := range []string{"\x00alice@example.org\x00secret", "bob\x00alice\x00pw", "\x00\x00", "a\x00b", "\x00a\x01\x00p", "\x00\xff\x00p", "\x00a\x00b\x00c"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		authzid, user, pass, ok := parsePlain(b)
		if !ok {
			return
		}
		if user == "" || len(user) > maxSASLField || len(authzid) > maxSASLField || len(pass) > maxSASLField {
			t.Fatalf("fields out of bounds: %q %q %d", authzid, user, len(pass))
		}
		if !utf8.ValidString(user) || strings.ContainsFunc(user+authzid, isControl) {
			t.Fatalf("unprintable name %q / %q", user, authzid)
		}
		rebuilt := append([]byte(authzid+"\x00"+user+"\x00"), pass...)
		if !bytes.Equal(rebuilt, b) {
			t.Fatalf("parsePlain(%q) rebuilds %q", b, rebuilt)
		}
	})
}

// FuzzCheckRemote checks that an accepted remote address has exactly one
// @ and none of the routing characters.
func FuzzCheckRemote(f *testing.F) {
	for _, s := range []string{"a@remote.test", "a%b@remote.test", "h!a@remote.test", "a@b@remote.test", "a@[192.0.2.1]", "jörg@bücher.example", "@x.y", "a@x..y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if checkRemote(addr) != nil {
			return
		}
		if strings.Count(addr, "@") != 1 || strings.ContainsAny(addr, "%!\"[]: \\") || !utf8.ValidString(addr) {
			t.Fatalf("checkRemote accepted %q", addr)
		}
		local, domain, _ := strings.Cut(addr, "@")
		if local == "" || !strings.Contains(domain, ".") {
			t.Fatalf("checkRemote accepted %q", addr)
		}
	})
}
