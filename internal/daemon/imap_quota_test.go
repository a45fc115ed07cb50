package daemon

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/mailtest"
)

// A real axd reports over IMAP the quota an administrator set with axctl
// (QUOTA, RFC 9208), and its version in ID (RFC 2971).
func TestIMAPQuotaAndID(t *testing.T) {
	t.Parallel()
	d := mailtest.Start(t, mailtest.Options{Config: `
listeners:
  imap: {listen: "127.0.0.1:0"}
`})
	if _, errOut, code := mailtest.Run(t, "", "axctl", "--socket", d.Socket, "domain", "add", "example.org"); code != 0 {
		t.Fatalf("domain add: %s", errOut)
	}
	addUser(t, d, "alice@example.org", "wonderland-7")
	if _, errOut, code := mailtest.Run(t, "", "axctl", "--socket", d.Socket, "account", "set", "alice@example.org", "--quota", "10K", "--quota-messages", "5"); code != 0 {
		t.Fatalf("account set: %s", errOut)
	}

	c, err := net.Dial("tcp", d.Addr(t, "imap"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	// do sends a command and returns its untagged lines and tagged reply.
	do := func(tag, cmd string) ([]string, string) {
		t.Helper()
		if _, err := c.Write([]byte(tag + " " + cmd + "\r\n")); err != nil {
			t.Fatal(err)
		}
		var untagged []string
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v (untagged %q)", cmd, err, untagged)
			}
			l = strings.TrimRight(l, "\r\n")
			if strings.HasPrefix(l, tag+" ") {
				return untagged, strings.TrimPrefix(l, tag+" ")
			}
			untagged = append(untagged, l)
		}
	}
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if u, _ := do("a1", "ID NIL"); len(u) != 1 || u[0] != `* ID ("name" "axmail" "version" "dev" "vendor" "axmail")` {
		t.Errorf("ID = %q", u)
	}
	if _, tagged := do("a2", "LOGIN alice@example.org wonderland-7"); !strings.HasPrefix(tagged, "OK") {
		t.Fatalf("LOGIN: %s", tagged)
	}
	if u, _ := do("a3", "CAPABILITY"); len(u) != 1 || !strings.Contains(u[0], " QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE ") {
		t.Errorf("CAPABILITY = %q", u)
	}
	u, tagged := do("a4", "GETQUOTAROOT INBOX")
	if want := `* QUOTAROOT INBOX ""|* QUOTA "" (MESSAGE 0 5 STORAGE 0 10)`; strings.Join(u, "|") != want || !strings.HasPrefix(tagged, "OK") {
		t.Errorf("GETQUOTAROOT INBOX = %q, %s; want %s", u, tagged, want)
	}
	if _, tagged := do("a5", `SETQUOTA "" (STORAGE 20)`); !strings.HasPrefix(tagged, "NO [NOPERM]") {
		t.Errorf("SETQUOTA = %s", tagged)
	}
}
