package imapd

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// multipartMsg has a text part, an HTML part in an alternative, and an
// attached message with its own two parts.
const multipartMsg = "From: Alice <alice@example.org>\r\n" +
	"To: bob@example.org\r\n" +
	"Subject: Quarterly report\r\n" +
	"Date: Mon, 02 Mar 2026 10:00:00 +0100\r\n" +
	"Message-ID: <q1@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Plain body with zebra.\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html\r\n" +
	"\r\n" +
	"<p>HTML body</p>\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"\r\n" +
	"Subject: Attached\r\n" +
	"Content-Type: multipart/mixed; boundary=att\r\n" +
	"\r\n" +
	"--att\r\n" +
	"Content-Type: text/plain\r\n" +
	"\r\n" +
	"first attached part\r\n" +
	"--att\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"AAECAw==\r\n" +
	"--att--\r\n" +
	"--outer--\r\n" +
	"epilogue\r\n"

// literalOf returns the literal that follows item in a FETCH line.
func literalOf(t *testing.T, line, item string) string {
	t.Helper()
	i := strings.Index(line, item+" {")
	if i < 0 {
		t.Fatalf("%s not in %q", item, line)
	}
	rest := line[i+len(item)+2:]
	j := strings.Index(rest, "}\r\n")
	n, err := strconv.Atoi(rest[:j])
	if err != nil {
		t.Fatalf("literal size in %q: %v", line, err)
	}
	return rest[j+3 : j+3+n]
}

func TestFetchSections(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	if got := c.appendMsg("INBOX", `(\Flagged $Work) "02-Mar-2026 10:00:00 +0100"`, []byte(multipartMsg)); !strings.HasPrefix(got, "OK [APPENDUID ") {
		t.Fatalf("APPEND = %q", got)
	}
	if u := c.ok("SELECT INBOX"); !hasLine(u, "* FLAGS (", `\Seen`, "$Work") || !hasLine(u, "PERMANENTFLAGS (", "$Work", `\*`) {
		t.Errorf("SELECT = %q, want FLAGS and PERMANENTFLAGS with the keyword $Work", u)
	}

	for _, tc := range []struct{ item, want string }{
		{"BODY[]", multipartMsg},
		{"BODY[HEADER]", multipartMsg[:strings.Index(multipartMsg, "\r\n\r\n")+4]},
		{"BODY[TEXT]", multipartMsg[strings.Index(multipartMsg, "\r\n\r\n")+4:]},
		{`BODY[HEADER.FIELDS ("Subject" "FROM")]`, "From: Alice <alice@example.org>\r\nSubject: Quarterly report\r\n\r\n"},
		{`BODY[HEADER.FIELDS.NOT ("From" "To" "Subject" "Date" "Message-ID" "MIME-Version")]`, "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"},
		{"BODY[1.1]", "Plain body with zebra."},
		{"BODY[1.2]", "<p>HTML body</p>"},
		{"BODY[1.1.MIME]", "Content-Type: text/plain; charset=utf-8\r\n\r\n"},
		{"BODY[2.HEADER]", "Subject: Attached\r\nContent-Type: multipart/mixed; boundary=att\r\n\r\n"},
		{"BODY[2.1]", "first attached part"},
		{"BODY[2.2]", "AAECAw=="},
		{"BODY[2.2.MIME]", "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"},
		{"BODY[9]", ""},
		{"BODY[]<0>", multipartMsg[:10]}, // see partial below
	} {
		item := tc.item
		req := strings.Replace(item, "BODY[", "BODY.PEEK[", 1)
		want := tc.want
		if item == "BODY[]<0>" {
			req, want = "BODY.PEEK[]<0.10>", multipartMsg[:10]
		}
		u := c.ok("FETCH 1 (%s)", req)
		if len(u) != 1 {
			t.Fatalf("FETCH %s = %q", req, u)
		}
		if got := literalOf(t, u[0], item); got != want {
			t.Errorf("FETCH %s = %q, want %q", req, got, want)
		}
	}
	u := c.ok("FETCH 1 (BODY.PEEK[TEXT]<20.30>)")
	body := multipartMsg[strings.Index(multipartMsg, "\r\n\r\n")+4:]
	if got := literalOf(t, u[0], "BODY[TEXT]<20>"); got != body[20:50] {
		t.Errorf("partial TEXT = %q, want %q", got, body[20:50])
	}
	u = c.ok("FETCH 1 (BODY.PEEK[]<%d.100>)", len(multipartMsg)-5)
	if got := literalOf(t, u[0], fmt.Sprintf("BODY[]<%d>", len(multipartMsg)-5)); got != multipartMsg[len(multipartMsg)-5:] {
		t.Errorf("partial past the end = %q", got)
	}

	u = c.ok("FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE UID)")
	for _, want := range []string{`\Flagged`, "$Work", `INTERNALDATE " 2-Mar-2026 10:00:00 +0100"`, fmt.Sprintf("RFC822.SIZE %d", len(multipartMsg)),
		`"Quarterly report"`, `"Alice" NIL "alice" "example.org"`, `"<q1@example.org>"`, `"mixed"`, `"alternative"`, "UID 1"} {
		if !strings.Contains(u[0], want) {
			t.Errorf("FETCH attributes = %q, lacks %s", u[0], want)
		}
	}
	// The text part's size in BODYSTRUCTURE is what BODY[1.1] returns.
	if !regexp.MustCompile(`\("text" "plain" \("charset" "utf-8"\) nil nil "7bit" 22 `).MatchString(strings.ToLower(u[0])) {
		t.Errorf("BODYSTRUCTURE of 1.1 = %q, want size 22", u[0])
	}
	if u := c.ok("FETCH 1 (FLAGS)"); strings.Contains(u[0], `\Seen`) {
		t.Fatalf("PEEK set \\Seen: %q", u)
	}
	u = c.ok("FETCH 1 (BODY[1.1])")
	if !strings.Contains(u[0], `\Seen`) {
		t.Errorf("FETCH BODY[] response lacks FLAGS with \\Seen: %q", u)
	}
	if u := c.ok("FETCH 1 (FLAGS)"); !strings.Contains(u[0], `\Seen`) {
		t.Errorf("BODY[] did not set \\Seen: %q", u)
	}
	c.ok("FETCH 1 (RFC822.HEADER RFC822.SIZE)")
	c.expect("BAD", "FETCH 2 (FLAGS)")
	// imapserver's own parser refuses 0 as a syntax error.
	c.expect("BAD [CLIENTBUG]", "FETCH 0 (FLAGS)")
	if u := c.ok("UID FETCH 5:9 (FLAGS)"); len(u) != 0 {
		t.Errorf("UID FETCH of missing UIDs = %q, want nothing", u)
	}
	if u := c.ok("UID FETCH * (FLAGS)"); len(u) != 1 || !strings.Contains(u[0], "UID 1") {
		t.Errorf("UID FETCH * = %q", u)
	}

	// EXAMINE is read-only: no \Seen, no STORE.
	c.ok(`STORE 1 -FLAGS (\Seen)`)
	c.ok("EXAMINE INBOX")
	c.ok("FETCH 1 (BODY[])")
	if u := c.ok("FETCH 1 (FLAGS)"); strings.Contains(u[0], `\Seen`) {
		t.Errorf("EXAMINE: BODY[] set \\Seen: %q", u)
	}
	c.expect("NO", `STORE 1 +FLAGS (\Seen)`)
	c.expect("NO", "UID EXPUNGE 1")
	c.expect("NO", "MOVE 1 Trash")
	c.ok("CLOSE")
}

func TestLargeMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	var b bytes.Buffer
	b.WriteString("Subject: big\r\nContent-Type: text/plain\r\n\r\n")
	for i := 0; b.Len() < 5<<20; i++ {
		fmt.Fprintf(&b, "line %08d of a large message, to be fetched in parts\r\n", i)
	}
	big := b.Bytes()
	if got := c.appendMsg("INBOX", "", big); !strings.HasPrefix(got, "OK") {
		t.Fatalf("APPEND of %d bytes = %q", len(big), got)
	}
	c.ok("SELECT INBOX")
	u := c.ok("FETCH 1 (RFC822.SIZE BODY.PEEK[])")
	if got := literalOf(t, u[0], "BODY[]"); got != string(big) {
		t.Errorf("BODY[] of %d bytes differs (got %d bytes)", len(big), len(got))
	}
	off := 3<<20 + 17
	u = c.ok("FETCH 1 (BODY.PEEK[TEXT]<%d.1000>)", off)
	hdr := bytes.Index(big, []byte("\r\n\r\n")) + 4
	if got := literalOf(t, u[0], fmt.Sprintf("BODY[TEXT]<%d>", off)); got != string(big[hdr+off:hdr+off+1000]) {
		t.Errorf("partial TEXT at %d differs", off)
	}
}
