package imapserver_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestID(t *testing.T) {
	h := newHarness(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapID: {}})
	c := h.dial()

	// Advertised and valid before login.
	if caps, _ := c.do("CAPABILITY"); len(caps) != 1 || !strings.Contains(caps[0]+" ", " ID ") {
		t.Errorf("CAPABILITY = %q, want ID", caps)
	}
	u := c.ok("ID NIL")
	if want := `* ID ("name" "harness" "vendor" "axmail test")`; len(u) != 1 || u[0] != want {
		t.Errorf("ID NIL = %q, want %q", u, want)
	}
	if got, n := h.session(0).lastID(); got != nil || n != 1 {
		t.Errorf("session got %+v (%d calls), want nil (1 call)", got, n)
	}

	// A synchronizing literal: the rest follows the continuation.
	c.write(`lit ID ("Name" "mutt" "version" "2.2" "x-extra" NIL "os" {5}` + "\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("after literal header: %q", l)
	}
	c.write("Linux)\r\n")
	if _, tagged := c.until("lit"); !strings.HasPrefix(tagged, "OK") {
		t.Fatalf("ID with a literal = %q", tagged)
	}
	got, _ := h.session(0).lastID()
	if got == nil || got.Name != "mutt" || got.Version != "2.2" || got.OS != "Linux" || got.Raw["x-extra"] != "" || len(got.Raw) != 4 {
		t.Errorf("session got %+v, want name mutt, version 2.2, os Linux, x-extra empty", got)
	}

	c.ok("ID ()") // an empty list is tolerated

	var pairs []string
	for i := 0; i < 31; i++ {
		pairs = append(pairs, fmt.Sprintf(`"k%d" "v"`, i))
	}
	for _, tc := range []struct{ name, args string }{
		{"31 fields", "(" + strings.Join(pairs, " ") + ")"},
		{"long field", fmt.Sprintf(`("%s" "v")`, strings.Repeat("f", 31))},
		{"long value", fmt.Sprintf(`("name" "%s")`, strings.Repeat("v", 1025))},
		{"field without value", `("name")`},
		{"unbalanced", `("name" "x"`},
		{"atom field", `(name "x")`},
		{"not a list", `"name"`},
		{"missing", ``},
	} {
		_, tagged := c.do("ID %s", tc.args)
		if !strings.HasPrefix(tagged, "BAD") {
			t.Errorf("%s: ID %s = %q, want BAD", tc.name, tc.args, tagged)
		}
	}
	// 30 fields are fine, and the session goes on after the errors.
	c.ok("ID (%s)", strings.Join(pairs[:30], " "))
	c.ok("LOGIN %s %s", harnessUser, harnessPassword)
	c.ok("ID NIL")
}

func TestIDNotAdvertised(t *testing.T) {
	h := newHarness(t, imap.CapSet{imap.CapIMAP4rev1: {}})
	c := h.login()
	if caps, _ := c.do("CAPABILITY"); strings.Contains(caps[0]+" ", " ID ") {
		t.Errorf("CAPABILITY = %q, want no ID", caps)
	}
}
