package imapd

import (
	"strings"
	"testing"
)

func TestBinary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	qp := "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nd=C3=A9j=C3=A0 vu, a long line=\r\n that goes on\r\n"
	odd := "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n"
	for _, m := range []string{multipartMsg, qp, odd} {
		if got := c.appendMsg("INBOX", "", []byte(m)); !strings.HasPrefix(got, "OK") {
			t.Fatalf("APPEND: %s", got)
		}
	}
	c.ok("SELECT INBOX")
	caps := strings.Join(c.ok("CAPABILITY"), " ")
	for _, want := range []string{"IMAP4rev2", "BINARY", "SEARCHRES"} {
		if !strings.Contains(caps, want) {
			t.Errorf("capabilities %q lack %s", caps, want)
		}
	}
	for _, tc := range []struct{ seq, item, resp, want string }{
		{"1", "BINARY.PEEK[2.2]", "BINARY[2.2]", "\x00\x01\x02\x03"},
		{"1", "BINARY.PEEK[1.1]", "BINARY[1.1]", "Plain body with zebra."},
		{"2", "BINARY.PEEK[1]", "BINARY[1]", "déjà vu, a long line that goes on\r\n"},
		{"2", "BINARY.PEEK[1]<3.4>", "BINARY[1]", "jà "},
		{"2", "BINARY.PEEK[]", "BINARY[]", qp[:strings.Index(qp, "\r\n\r\n")+4] + "déjà vu, a long line that goes on\r\n"},
		{"1", "BINARY.PEEK[7]", "BINARY[7]", ""},
	} {
		u := c.ok("FETCH %s (%s)", tc.seq, tc.item)
		if got := literalOf(t, strings.Replace(u[0], "~{", "{", 1), tc.resp); got != tc.want {
			t.Errorf("FETCH %s %s = %q, want %q", tc.seq, tc.item, got, tc.want)
		}
	}
	if u := c.ok("FETCH 1 (BINARY.SIZE[2.2] BINARY.SIZE[1.1])"); !hasLine(u, "BINARY.SIZE[2.2] 4", "BINARY.SIZE[1.1] 22") {
		t.Errorf("BINARY.SIZE = %q", u)
	}
	c.expect("NO [UNKNOWN-CTE]", "FETCH 3 (BINARY.PEEK[1])")
	if u := c.ok("FETCH 2 (FLAGS)"); strings.Contains(u[0], `\Seen`) {
		t.Errorf("BINARY.PEEK set \\Seen: %q", u)
	}
	c.ok("FETCH 2 (BINARY[1])")
	if u := c.ok("FETCH 2 (FLAGS)"); !strings.Contains(u[0], `\Seen`) {
		t.Errorf("BINARY did not set \\Seen: %q", u)
	}
}

func TestSearchResAndIMAP4rev2(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	fill(t, c, 4)
	c.ok(`STORE 2,4 +FLAGS (\Flagged)`)
	if u := c.ok("SEARCH RETURN (SAVE) FLAGGED"); len(u) != 0 && !hasLine(u, "2,4") {
		t.Errorf("SEARCH RETURN (SAVE) = %q", u)
	}
	if u := c.ok("FETCH $ (UID)"); strings.Join(u, "|") != "* 2 FETCH (UID 2)|* 4 FETCH (UID 4)" {
		t.Errorf("FETCH $ = %q", u)
	}
	if u := c.ok("UID SEARCH UID $ SUBJECT m4"); !hasLine(u, "* SEARCH 4") {
		t.Errorf("SEARCH UID $ = %q", u)
	}
	c.ok("COPY $ Archive")
	if u := c.ok("STATUS Archive (MESSAGES)"); !hasLine(u, "MESSAGES 2") {
		t.Errorf("COPY $: %q", u)
	}

	if u := c.ok("ENABLE IMAP4rev2"); !hasLine(u, "* ENABLED IMAP4rev2") {
		t.Fatalf("ENABLE IMAP4rev2 = %q", u)
	}
	if u := c.ok("SEARCH FLAGGED"); !hasLine(u, "* ESEARCH", "ALL 2,4") {
		t.Errorf("SEARCH under IMAP4rev2 = %q, want ESEARCH", u)
	}
	if u := c.ok("SELECT INBOX"); hasLine(u, "RECENT") {
		t.Errorf("SELECT under IMAP4rev2 = %q, want no RECENT", u)
	}
	if u := c.ok("FETCH $ (UID)"); len(u) != 0 {
		t.Errorf("$ after SELECT = %q, want empty", u)
	}
	if u := c.ok("STATUS INBOX (DELETED SIZE)"); !hasLine(u, "DELETED 0", "SIZE ") {
		t.Errorf("STATUS DELETED SIZE = %q", u)
	}
}
