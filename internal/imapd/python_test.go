package imapd

import (
	"strings"
	"testing"
)

// pythonClient is run by python3 with the server's host and port; it
// drives imaplib through the common commands and prints one JSON object
// of what it saw.
const pythonClient = `
import imaplib, json, sys
host, port = sys.argv[1], int(sys.argv[2])
imaplib.Commands.setdefault("MOVE", ("SELECTED",))
out = {}
def s(x):
    return [v.decode() if isinstance(v, bytes) else repr(v) for v in x]
m = imaplib.IMAP4(host, port, timeout=10)
typ, _ = m.authenticate("PLAIN", lambda _: b"\0alice@example.org\0alice-pw")
out["auth"] = typ
out["caps"] = s(m.capability()[1])
out["list"] = s(m.list()[1])
out["create"] = m.create('"Entw&APw-rfe"')[0]
out["create2"] = m.create('"Projects/Big Plans"')[0]
msg = b"From: Py <py@example.net>\r\nSubject: imaplib test\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\nneedle in the text\r\n"
typ, data = m.append("INBOX", r"(\Flagged)", imaplib.Time2Internaldate(1767225600), msg)
out["append"] = [typ, s(data)]
m.append("INBOX", None, None, b"Subject: second\r\n\r\nother\r\n")
typ, data = m.select("INBOX")
out["select"] = [typ, s(data)]
typ, data = m.fetch("1", "(BODY.PEEK[] FLAGS)")
out["body"] = data[0][1].decode("utf-8")
out["flags"] = data[0][0].decode()
typ, data = m.uid("FETCH", "1:*", "(ENVELOPE)")
out["envelope"] = s(data)
out["search"] = s(m.search(None, "TEXT", "needle")[1])
out["search_or"] = s(m.search(None, "OR", "FLAGGED", "SUBJECT", "second")[1])
out["store"] = s(m.store("2", "+FLAGS", r"(\Deleted)")[1])
out["copy"] = m.copy("1", "Archive")[0]
typ, data = m.uid("MOVE", "1", "Trash")
out["move"] = [typ, s(data)]
out["expunge"] = s(m.expunge()[1])
out["status"] = s(m.status("Trash", "(MESSAGES UIDNEXT)")[1])
out["lsub"] = s(m.lsub()[1])
out["delete"] = m.delete('"Entw&APw-rfe"')[0]
out["bad_select"] = s(m.select("Nope")[1])
m.logout()
print(json.dumps(out))
`

func TestPythonImaplib(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	got := runPython(t, e, pythonClient)
	str := func(k string) string { return jsonOf(got, k) }
	for _, c := range []struct{ key, want string }{
		{"caps", ` IDLE `},
		{"caps", ` MOVE `},
		{"auth", `"OK"`},
		{"list", `\\Sent`},
		{"create", `"OK"`},
		{"create2", `"OK"`},
		{"append", `[APPENDUID `},
		{"select", `"2"`},
		{"body", `déjà vu`},
		{"flags", `\\Flagged`},
		{"envelope", `imaplib test`},
		{"search", `"1"`},
		{"search_or", `"1 2"`},
		{"store", `\\Deleted`},
		{"copy", `"OK"`},
		{"move", `"OK"`},
		{"expunge", `"1"`},
		{"status", `MESSAGES 1`},
		{"lsub", `Trash`},
		{"delete", `"OK"`},
		{"bad_select", `NONEXISTENT`},
	} {
		if s := str(c.key); !strings.Contains(s, c.want) {
			t.Errorf("%s = %s, want it to contain %s", c.key, s, c.want)
		}
	}
	if mb, err := e.st.GetMailbox(alice, "Projects/Big Plans"); err != nil || mb.Messages != 0 {
		t.Errorf("mailbox made by imaplib: %+v, %v", mb, err)
	}
	if mb, err := e.st.GetMailbox(alice, "Archive"); err != nil || mb.Messages != 1 {
		t.Errorf("Archive after COPY: %+v, %v", mb, err)
	}
}
