package imapd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/directory"
)

// pythonQuotaClient drives imaplib's getquotaroot, getquota and setquota
// and a raw ID for one account; it prints one JSON object of what it saw.
const pythonQuotaClient = `
import imaplib, json, sys
host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
out = {}
def s(x):
    return [v.decode() if isinstance(v, bytes) else repr(v) for v in x]
def quota():
    typ, data = m.getquotaroot("INBOX")
    return [typ, s(data[0]), s(data[1])]
m = imaplib.IMAP4(host, port, timeout=10)
typ, data = m._simple_command("ID", '("name" "imaplib" "version" "3")')
out["id"] = [typ, s(m._untagged_response(typ, data, "ID")[1])]
m.login(user, pw)
out["caps"] = s(m.capability()[1])
out["root0"] = quota()
out["get0"] = s(m.getquota('""')[1])
body = b"Subject: q\r\n\r\n" + b"x" * 586 + b"\r\n"
out["append1"] = m.append("INBOX", None, None, body)[0]
out["root1"] = quota()
out["append2"] = m.append("INBOX", None, None, body)[0]
out["root2"] = quota()
try:
    out["append3"] = s(m.append("INBOX", None, None, body + b"y" * 300)[1])
except imaplib.IMAP4.error as e:
    out["append3"] = str(e)
out["root3"] = quota()
try:
    out["setquota"] = s(m.setquota('""', "(STORAGE 99999)")[1])
except imaplib.IMAP4.error as e:
    out["setquota"] = str(e)
try:
    out["getquota_other"] = s(m.getquota('"other"')[1])
except imaplib.IMAP4.error as e:
    out["getquota_other"] = str(e)
typ, data = m._simple_command("ID", "NIL")
out["id_nil"] = [typ, s(m._untagged_response(typ, data, "ID")[1])]
m.logout()
print(json.dumps(out))
`

// runPythonQuota runs pythonQuotaClient as account and returns its output.
func runPythonQuota(t *testing.T, e *testEnv, account string) map[string]any {
	t.Helper()
	return runPython(t, e, pythonQuotaClient, account, passwords[account])
}

// TestPythonQuotaAndID checks QUOTA and ID with imaplib, for an account
// with a byte quota (tiny, 2 KiB), one with a message limit (bob, 2
// messages) and one without any (alice), with usage changing by APPEND.
func TestPythonQuotaAndID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Version: "1.2.3-test"})
	two := int64(2)
	if _, err := e.dir.SetAccount(context.Background(), bob, directory.AccountPatch{Settings: directory.SettingsPatch{Set: directory.Settings{QuotaMessages: &two}}}); err != nil {
		t.Fatal(err)
	}
	idReply := `["OK",["(\"name\" \"axmail\" \"version\" \"1.2.3-test\" \"vendor\" \"axmail\")"]]`
	for _, tc := range []struct {
		account string
		want    map[string]string // key: JSON of the value
		lacks   map[string]string
	}{
		{tiny, map[string]string{
			"id":     idReply,
			"id_nil": idReply,
			"caps":   `QUOTA QUOTA=RES-STORAGE`,
			// 600 bytes a message: 1 KiB used, then 2 (rounded up).
			"root0":          `["OK",["INBOX \"\""],["\"\" (STORAGE 0 2)"]]`,
			"get0":           `["\"\" (STORAGE 0 2)"]`,
			"append1":        `"OK"`,
			"root1":          `["OK",["INBOX \"\""],["\"\" (STORAGE 1 2)"]]`,
			"append2":        `"OK"`,
			"root2":          `["OK",["INBOX \"\""],["\"\" (STORAGE 2 2)"]]`,
			"append3":        `OVERQUOTA`,
			"root3":          `["OK",["INBOX \"\""],["\"\" (STORAGE 2 2)"]]`,
			"setquota":       `NOPERM`,
			"getquota_other": `NONEXISTENT`,
		}, map[string]string{"caps": "RES-MESSAGE"}},
		{bob, map[string]string{
			"caps":    `QUOTA=RES-MESSAGE`,
			"root0":   `["OK",["INBOX \"\""],["\"\" (MESSAGE 0 2)"]]`,
			"root1":   `["OK",["INBOX \"\""],["\"\" (MESSAGE 1 2)"]]`,
			"root2":   `["OK",["INBOX \"\""],["\"\" (MESSAGE 2 2)"]]`,
			"append3": `OVERQUOTA`,
			"root3":   `["OK",["INBOX \"\""],["\"\" (MESSAGE 2 2)"]]`,
		}, map[string]string{"root1": "STORAGE"}},
		{alice, map[string]string{
			"caps":    `QUOTA QUOTA=RES-STORAGE`,
			"root0":   `["OK",["INBOX \"\""],["\"\" ()"]]`,
			"get0":    `["\"\" ()"]`,
			"append3": `[APPENDUID `,
			"root3":   `["OK",["INBOX \"\""],["\"\" ()"]]`,
		}, map[string]string{"caps": "RES-MESSAGE"}},
	} {
		got := runPythonQuota(t, e, tc.account)
		str := func(k string) string {
			b, _ := json.Marshal(got[k])
			return string(b)
		}
		for k, want := range tc.want {
			if s := str(k); !strings.Contains(s, want) {
				t.Errorf("%s: %s = %s, want it to contain %s", tc.account, k, s, want)
			}
		}
		for k, lack := range tc.lacks {
			if s := str(k); strings.Contains(s, lack) {
				t.Errorf("%s: %s = %s, want no %s", tc.account, k, s, lack)
			}
		}
	}
	// The client's ID fields are in the debug log.
	if logs := e.logs.String(); !strings.Contains(logs, "client_id.name=imaplib") || !strings.Contains(logs, "client_id.version=3") {
		t.Errorf("log lacks the client's ID:\n%s", logs)
	}
}

// TestQuotaInheritsDomainLimit checks that GETQUOTAROOT reports the
// limit an account inherits from its domain, and follows a change of it
// within the session.
func TestQuotaInheritsDomainLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	if u := c.ok("GETQUOTAROOT INBOX"); strings.Join(u, "\n") != "* QUOTAROOT INBOX \"\"\n* QUOTA \"\" ()" {
		t.Errorf("GETQUOTAROOT without a quota = %q", u)
	}
	mib, msgs := int64(1<<20), int64(100)
	if _, err := e.dir.SetDomain(context.Background(), "example.org", directory.SettingsPatch{Set: directory.Settings{QuotaBytes: &mib, QuotaMessages: &msgs}}); err != nil {
		t.Fatal(err)
	}
	if c.appendMsg("INBOX", "", []byte("Subject: a\r\n\r\nbody\r\n")) == "" {
		t.Fatal("APPEND failed")
	}
	want := "* QUOTAROOT INBOX \"\"\n* QUOTA \"\" (MESSAGE 1 100 STORAGE 1 1024)"
	if u := c.ok("GETQUOTAROOT INBOX"); strings.Join(u, "\n") != want {
		t.Errorf("GETQUOTAROOT under the domain's quota = %q, want %q", u, want)
	}
	if u := c.ok(`GETQUOTA ""`); len(u) != 1 || u[0] != "* QUOTA \"\" (MESSAGE 1 100 STORAGE 1 1024)" {
		t.Errorf("GETQUOTA = %q", u)
	}
	if caps := c.ok("CAPABILITY"); !strings.Contains(caps[0], " QUOTA=RES-MESSAGE") {
		t.Errorf("CAPABILITY under a domain message limit = %q", caps)
	}
	c.expect("NO [NONEXISTENT]", "GETQUOTAROOT Nope")
	c.expect("NO [NONEXISTENT]", `GETQUOTA "user/alice"`)
	c.expect("NO [NOPERM]", `SETQUOTA "" (STORAGE 1)`)
	c.ok("NOOP")
}

// TestStatusDeletedStorage checks STATUS DELETED-STORAGE, which RFC 9208
// asks of a server with QUOTA=RES-STORAGE: the KiB an EXPUNGE frees.
func TestStatusDeletedStorage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	for _, size := range []int{1500, 600} {
		body := "Subject: s\r\n\r\n" + strings.Repeat("x", size-16) + "\r\n"
		if tagged := c.appendMsg("INBOX", "", []byte(body)); !strings.HasPrefix(tagged, "OK") {
			t.Fatalf("APPEND: %s", tagged)
		}
	}
	status := func(want string) {
		t.Helper()
		if u := c.ok("STATUS INBOX (DELETED DELETED-STORAGE)"); len(u) != 1 || u[0] != "* STATUS INBOX "+want {
			t.Errorf("STATUS = %q, want %q", u, "* STATUS INBOX "+want)
		}
	}
	status("(DELETED 0 DELETED-STORAGE 0)")
	c.ok("SELECT INBOX")
	c.ok(`STORE 1 +FLAGS.SILENT (\Deleted)`)
	status("(DELETED 1 DELETED-STORAGE 2)") // 1500 bytes, rounded up
	c.ok(`STORE 2 +FLAGS.SILENT (\Deleted)`)
	status("(DELETED 2 DELETED-STORAGE 3)")
	if u := c.ok(`LIST "" INBOX RETURN (STATUS (DELETED-STORAGE))`); !hasLine(u, "* STATUS INBOX (DELETED-STORAGE 3)") {
		t.Errorf("LIST-STATUS = %q", u)
	}
	c.ok("EXPUNGE")
	status("(DELETED 0 DELETED-STORAGE 0)")
}
