package imapserver_test

import (
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestQuota(t *testing.T) {
	h := newHarness(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapQuota: {}})
	c := h.dial()
	if caps, _ := c.do("CAPABILITY"); strings.Contains(caps[0], "QUOTA") {
		t.Errorf("CAPABILITY before login = %q, want no QUOTA", caps)
	}
	if _, tagged := c.do(`GETQUOTA ""`); !strings.HasPrefix(tagged, "BAD") {
		t.Errorf("GETQUOTA before login = %q, want BAD", tagged)
	}
	c.ok("LOGIN %s %s", harnessUser, harnessPassword)

	caps, _ := c.do("CAPABILITY")
	for _, want := range []string{" QUOTA ", " QUOTA=RES-STORAGE ", " QUOTA=RES-MESSAGE "} {
		if !strings.Contains(caps[0]+" ", want) {
			t.Errorf("CAPABILITY = %q, want %q", caps, want)
		}
	}

	quota := `* QUOTA "" (MESSAGE 1 10 STORAGE 5 100)`
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"GETQUOTAROOT INBOX", []string{`* QUOTAROOT INBOX ""`, quota}},
		{"GETQUOTAROOT inbox", []string{`* QUOTAROOT INBOX ""`, quota}},
		{`GETQUOTA ""`, []string{quota}},
	} {
		u := c.ok("%s", tc.cmd)
		if strings.Join(u, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s = %q, want %q", tc.cmd, u, tc.want)
		}
	}

	for _, tc := range []struct{ cmd, want string }{
		{`GETQUOTA "other"`, "NO [NONEXISTENT]"},
		{"GETQUOTAROOT Nope", "NO [NONEXISTENT]"},
		{`SETQUOTA "" (STORAGE 512)`, "NO [NOPERM]"},
		{`SETQUOTA "" ()`, "NO [NOPERM]"},
		{`SETQUOTA "" (STORAGE x)`, "BAD"},
		{`SETQUOTA "" STORAGE 512`, "BAD"},
		{"GETQUOTA", "BAD"},
		{"GETQUOTAROOT", "BAD"},
		{`GETQUOTA "" extra`, "BAD"},
	} {
		if _, tagged := c.do("%s", tc.cmd); !strings.HasPrefix(tagged, tc.want) {
			t.Errorf("%s = %q, want %s", tc.cmd, tagged, tc.want)
		}
	}
	c.ok("NOOP")
}

func TestQuotaNotAdvertised(t *testing.T) {
	// The session implements SessionQuota, but the server's Caps lack it.
	h := newHarness(t, imap.CapSet{imap.CapIMAP4rev1: {}})
	c := h.login()
	if caps, _ := c.do("CAPABILITY"); strings.Contains(caps[0], "QUOTA") {
		t.Errorf("CAPABILITY = %q, want no QUOTA", caps)
	}
	if _, tagged := c.do("GETQUOTAROOT INBOX"); !strings.HasPrefix(tagged, "BAD") {
		t.Errorf("GETQUOTAROOT without QUOTA = %q, want BAD", tagged)
	}
}
