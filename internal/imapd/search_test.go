package imapd

import (
	"strings"
	"testing"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	msgs := []struct{ flags, date, raw string }{
		{`(\Seen)`, `"01-Jan-2026 12:00:00 +0000"`, "From: Carol <carol@example.net>\r\nTo: alice@example.org\r\nSubject: Lunch on Friday\r\nDate: Thu, 01 Jan 2026 12:00:00 +0000\r\n\r\nShall we meet at the Zebra café?\r\n"},
		{`(\Flagged)`, `"15-Feb-2026 12:00:00 +0000"`, "From: dan@example.com\r\nTo: alice@example.org\r\nCc: bob@example.org\r\nSubject: =?utf-8?q?R=C3=A9sum=C3=A9?=\r\nDate: Sun, 15 Feb 2026 12:00:00 +0000\r\nX-Priority: 1\r\n\r\nPlease find my résumé attached.\r\n"},
		{`()`, `"20-Mar-2026 12:00:00 +0000"`, "From: carol@example.net\r\nTo: alice@example.org\r\nSubject: Report\r\nDate: Fri, 20 Mar 2026 12:00:00 +0000\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nVGhlIHNlY3JldCB3b3JkIGlzIGFhcmR2YXJrLg==\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\nbinaryneedle\r\n--b--\r\n" + strings.Repeat("padding line\r\n", 200)},
		{`(\Deleted $Work)`, `"20-Mar-2026 23:00:00 +0000"`, "From eve@example.com Fri Mar 20 23:00:00 2026\r\nFrom: eve@example.com\r\nSubject: Spam\r\n\r\nbuy now\r\n"},
	}
	for _, m := range msgs {
		if got := c.appendMsg("INBOX", m.flags+" "+m.date, []byte(m.raw)); !strings.HasPrefix(got, "OK") {
			t.Fatalf("APPEND: %s", got)
		}
	}
	c.ok("SELECT INBOX")
	for _, tc := range []struct{ criteria, want string }{
		{"ALL", "1 2 3 4"},
		{"SEEN", "1"},
		{"UNSEEN", "2 3 4"},
		{"FLAGGED", "2"},
		{"DELETED", "4"},
		{"UNDELETED UNSEEN", "2 3"},
		{"KEYWORD $Work", "4"},
		{"UNKEYWORD $work", "1 2 3"},
		{"FROM carol", "1 3"},
		{`FROM "Carol <carol"`, "1"},
		{"TO alice CC bob", "2"},
		{`SUBJECT "résumé"`, "2"},
		{"SUBJECT report", "3"},
		{"HEADER X-Priority 1", "2"},
		{`HEADER X-Priority ""`, "2"},
		{"BODY zebra", "1"},
		{"BODY buy", "4"},                    // behind an mbox "From " line
		{"BODY aardvark", "3"},               // base64-encoded text part
		{"BODY binaryneedle", ""},            // not a text part
		{"TEXT lunch", "1"},                  // in the header
		{`CHARSET UTF-8 TEXT "RÉSUMÉ"`, "2"}, // case-insensitive UTF-8
		{"SINCE 15-Feb-2026", "2 3 4"},
		{"BEFORE 15-Feb-2026", "1"},
		{"ON 20-Mar-2026", "3 4"},
		{"SENTSINCE 1-Feb-2026 SENTBEFORE 1-Mar-2026", "2"},
		{"SENTON 1-Jan-2026", "1"},
		{"LARGER 1000", "3"},
		{"SMALLER 100", "4"},
		{"OR FLAGGED SEEN", "1 2"},
		{"NOT OR FLAGGED SEEN", "3 4"},
		{"(OR FROM eve FROM dan) UNFLAGGED", "4"},
		{"2:3", "2 3"},
		{"3:*", "3 4"},
		{"UID 1,4", "1 4"},
		{"NOT 1:2 NOT DELETED", "3"},
		{`CHARSET UTF-8 BODY "café"`, "1"},
		{"NEW", ""}, // no \Recent: RFC 9051 dropped it, and nothing sets it here
	} {
		u := c.ok("SEARCH %s", tc.criteria)
		got := ""
		for _, l := range u {
			if strings.HasPrefix(l, "* SEARCH") {
				got = strings.TrimSpace(strings.TrimPrefix(l, "* SEARCH"))
			}
		}
		if got != tc.want {
			t.Errorf("SEARCH %s = %q, want %q", tc.criteria, got, tc.want)
		}
	}
	if u := c.ok("UID SEARCH FROM carol"); !hasLine(u, "* SEARCH 1 3") {
		t.Errorf("UID SEARCH = %q", u)
	}
	if u := c.ok("SEARCH RETURN (MIN MAX COUNT) UNSEEN"); !hasLine(u, "* ESEARCH", "MIN 2", "MAX 4", "COUNT 3") {
		t.Errorf("ESEARCH = %q", u)
	}
	c.expect("NO [BADCHARSET]", "SEARCH CHARSET KOI8-R BODY x")
	c.expect("BAD", "SEARCH (FROM carol")
	// imapserver's parser takes an unknown key for a sequence set, and
	// the bad set is a syntax error.
	c.expect("BAD [CLIENTBUG]", "SEARCH NOSUCHKEY")
}
