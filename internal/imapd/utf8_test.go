package imapd

import "testing"

func TestUTF8Accept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.login(alice)
	c.ok(`CREATE "Entw&APw-rfe"`)
	if u := c.ok("ENABLE UTF8=ACCEPT"); !hasLine(u, "* ENABLED UTF8=ACCEPT") {
		t.Errorf("ENABLE = %q", u)
	}
	if u := c.ok(`LIST "" "Entw*"`); !hasLine(u, `"Entwürfe"`) {
		t.Errorf("LIST under UTF8=ACCEPT = %q, want the name in UTF-8", u)
	}
	c.ok(`CREATE "Brouillons/été"`)
	if _, err := e.st.GetMailbox(alice, "Brouillons/été"); err != nil {
		t.Errorf("UTF-8 name under UTF8=ACCEPT: %v", err)
	}
}
