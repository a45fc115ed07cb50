package imapd

import (
	"strings"
	"testing"
)

func TestMailboxCommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)

	c.ok("CREATE Projects/2026/Q1")
	c.ok(`CREATE "With Space"`)
	c.write("x1 CREATE {7}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("literal continuation: %q", l)
	}
	c.write("Literal\r\n")
	if _, tagged := c.until("x1"); !strings.HasPrefix(tagged, "OK") {
		t.Fatalf("CREATE with literal: %s", tagged)
	}
	// Entwürfe in modified UTF-7 (RFC 3501 §5.1.3).
	c.ok(`CREATE "Entw&APw-rfe"`)
	if _, err := e.st.GetMailbox(alice, "Entwürfe"); err != nil {
		t.Errorf("UTF-7 name not stored as UTF-8: %v", err)
	}
	c.expect("NO [ALREADYEXISTS]", "CREATE Projects")
	c.expect("NO [ALREADYEXISTS]", "CREATE inbox")

	all := c.ok(`LIST "" "*"`)
	for _, want := range [][]string{
		{`"Projects"`, `\HasChildren`}, {`"Projects/2026"`, `\HasChildren`}, {`"Projects/2026/Q1"`, `\HasNoChildren`},
		{`"With Space"`}, {`"Literal"`}, {`"Entw&APw-rfe"`},
	} {
		if !hasLine(all, want...) {
			t.Errorf("LIST * = %q, lacks %q", all, want)
		}
	}
	top := c.ok(`LIST "" "%%"`)
	if hasLine(top, "Projects/2026") || !hasLine(top, `"Projects"`) {
		t.Errorf(`LIST "" "%%" = %q, want top level only`, top)
	}
	if got := c.ok(`LIST "Projects/" "%%"`); len(got) != 1 || !hasLine(got, `"Projects/2026"`) {
		t.Errorf(`LIST "Projects/" "%%" = %q`, got)
	}
	if got := c.ok(`LIST "" "inbox"`); len(got) != 1 || !hasLine(got, "INBOX") {
		t.Errorf(`LIST "" "inbox" = %q, want INBOX (case-insensitive)`, got)
	}
	if got := c.ok(`LIST "" ""`); len(got) != 1 || !hasLine(got, `\Noselect`, `"/"`) {
		t.Errorf(`LIST "" "" = %q, want the delimiter`, got)
	}
	if got := c.ok(`LIST (SPECIAL-USE) "" "*"`); len(got) != 5 {
		t.Errorf("LIST (SPECIAL-USE) = %q, want 5 mailboxes", got)
	}
	if got := c.ok(`LIST "" "INBOX" RETURN (STATUS (MESSAGES UIDNEXT SIZE))`); !hasLine(got, "* STATUS INBOX (MESSAGES 0 UIDNEXT 1 SIZE 0)") {
		t.Errorf("LIST-STATUS = %q", got)
	}

	c.ok("RENAME Projects Work")
	all = c.ok(`LIST "" "*"`)
	if hasLine(all, "Projects") || !hasLine(all, `"Work/2026/Q1"`) {
		t.Errorf("after RENAME, LIST = %q, want children moved", all)
	}
	c.expect("NO [NONEXISTENT]", "RENAME Nope Other")
	c.expect("NO [ALREADYEXISTS]", `RENAME Work "With Space"`)

	c.ok(`SUBSCRIBE "With Space"`)
	if got := c.ok(`LSUB "" "With*"`); len(got) != 1 {
		t.Errorf("LSUB after SUBSCRIBE = %q", got)
	}
	if got := c.ok(`LIST (SUBSCRIBED) "" "*"`); !hasLine(got, `"With Space"`, `\Subscribed`) {
		t.Errorf("LIST (SUBSCRIBED) = %q", got)
	}
	c.ok(`UNSUBSCRIBE "With Space"`)
	if got := c.ok(`LSUB "" "With*"`); len(got) != 0 {
		t.Errorf("LSUB after UNSUBSCRIBE = %q", got)
	}

	c.ok("DELETE Work/2026/Q1")
	c.expect("NO [NONEXISTENT]", "DELETE Work/2026/Q1")
	c.expect("NO", "DELETE INBOX")
	c.expect("NO [NONEXISTENT]", "STATUS Nope (MESSAGES)")
	if got := c.ok(`STATUS INBOX (MESSAGES UNSEEN UIDVALIDITY UIDNEXT SIZE)`); !hasLine(got, "* STATUS INBOX (", "MESSAGES 0", "UNSEEN 0", "UIDNEXT 1", "SIZE 0") {
		t.Errorf("STATUS = %q", got)
	}
	if got := c.ok("NAMESPACE"); !hasLine(got, `* NAMESPACE (("" "/")) NIL NIL`) {
		t.Errorf("NAMESPACE = %q", got)
	}
}
