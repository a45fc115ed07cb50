package pop3d

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/store"
)

// sentForm is the reference for what RETR sends of a stored body (before
// dot-stuffing), written independently of lineWriter: every line ends in
// CRLF, a lone CR stays, a last line without an ending gets one.
func sentForm(body string) string {
	var b strings.Builder
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		last := i == len(lines)-1
		if last && l == "" {
			break
		}
		b.WriteString(l)
		if !strings.HasSuffix(l, "\r") {
			b.WriteString("\r")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Fixture messages: CRLF, bare LF with dot lines, no final line ending.
var (
	msgCRLF  = "Subject: one\r\nFrom: a@example.net\r\n\r\nline 1\r\nline 2\r\nline 3\r\n"
	msgLF    = "Subject: two\nX-Dots: yes\n\n.starts with a dot\n..two dots\n.\nafter a lone dot\n"
	msgNoEnd = "Subject: three\r\n\r\nbody without end"
)

func TestSentForm(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"a", "a\r\n"},
		{"a\n", "a\r\n"},
		{"a\r\n", "a\r\n"},
		{"a\rb\n", "a\rb\r\n"},
		{"a\r", "a\r\n"},
		{"\n\n", "\r\n\r\n"},
	} {
		if got := sentForm(c.in); got != c.want {
			t.Errorf("sentForm(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEveryCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	bodies := []string{msgCRLF, msgLF, msgNoEnd}
	var total int
	for _, b := range bodies {
		e.deliver(alice, b)
		total += len(sentForm(b))
	}
	rc := e.dialRaw()
	capa := rc.cmd("CAPA")
	if capa != "+OK capability list follows" {
		t.Fatalf("CAPA = %q", capa)
	}
	if got, want := rc.multi(), "TOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nUSER\r\nSASL PLAIN\r\nIMPLEMENTATION axmail\r\n"; got != want {
		t.Errorf("CAPA before login = %q, want %q", got, want)
	}
	rc.login(alice)

	step := func(cmd, want string) {
		t.Helper()
		if got := rc.cmd(cmd); got != want {
			t.Errorf("%s = %q, want %q", cmd, got, want)
		}
	}
	step("STAT", fmt.Sprintf("+OK 3 %d", total))
	step("LIST", fmt.Sprintf("+OK 3 messages (%d octets)", total))
	var wantList strings.Builder
	for i, b := range bodies {
		fmt.Fprintf(&wantList, "%d %d\r\n", i+1, len(sentForm(b)))
	}
	if got := rc.multi(); got != wantList.String() {
		t.Errorf("LIST = %q, want %q", got, wantList.String())
	}
	step("LIST 2", fmt.Sprintf("+OK 2 %d", len(sentForm(msgLF))))
	step("list 3", fmt.Sprintf("+OK 3 %d", len(sentForm(msgNoEnd))))
	step("UIDL", "+OK unique-id listing follows")
	uidl := strings.Split(strings.TrimSuffix(rc.multi(), "\r\n"), "\r\n")
	if len(uidl) != 3 {
		t.Fatalf("UIDL = %q, want 3 lines", uidl)
	}
	for i, l := range uidl {
		n, id, _ := strings.Cut(l, " ")
		if n != fmt.Sprint(i+1) || len(id) != 16 {
			t.Errorf("UIDL line %q, want %d and 16 hex digits", l, i+1)
		}
		step("UIDL "+n, "+OK "+l)
	}
	for i, b := range bodies {
		step(fmt.Sprintf("RETR %d", i+1), fmt.Sprintf("+OK %d octets", len(sentForm(b))))
		if got := rc.multi(); got != sentForm(b) {
			t.Errorf("RETR %d = %q, want %q", i+1, got, sentForm(b))
		}
	}
	for _, c := range []struct {
		cmd, want string
	}{
		{"TOP 1 0", "Subject: one\r\nFrom: a@example.net\r\n\r\n"},
		{"TOP 1 2", "Subject: one\r\nFrom: a@example.net\r\n\r\nline 1\r\nline 2\r\n"},
		{"TOP 1 99", sentForm(msgCRLF)},
		{"TOP 2 2", "Subject: two\r\nX-Dots: yes\r\n\r\n.starts with a dot\r\n..two dots\r\n"},
		{"TOP 3 0", "Subject: three\r\n\r\n"},
		{"TOP 3 1", "Subject: three\r\n\r\nbody without end\r\n"},
	} {
		step(c.cmd, "+OK top of message follows")
		if got := rc.multi(); got != c.want {
			t.Errorf("%s = %q, want %q", c.cmd, got, c.want)
		}
	}
	step("DELE 1", "+OK message 1 deleted")
	step("DELE 1", "-ERR message already deleted")
	step("RETR 1", "-ERR message already deleted")
	step("LIST 1", "-ERR message already deleted")
	step("TOP 1 0", "-ERR message already deleted")
	step("UIDL 1", "-ERR message already deleted")
	step("LIST 4", "-ERR no such message")
	step("RETR 0", "-ERR no such message")
	rest := total - len(sentForm(msgCRLF))
	step("STAT", fmt.Sprintf("+OK 2 %d", rest))
	step("LIST", fmt.Sprintf("+OK 2 messages (%d octets)", rest))
	if got := rc.multi(); strings.HasPrefix(got, "1 ") || strings.Count(got, "\r\n") != 2 {
		t.Errorf("LIST after DELE 1 = %q", got)
	}
	step("UIDL", "+OK unique-id listing follows")
	if got, want := rc.multi(), strings.Join(uidl[1:], "\r\n")+"\r\n"; got != want {
		t.Errorf("UIDL after DELE 1 = %q, want %q", got, want)
	}
	step("RSET", "+OK maildrop has 3 messages")
	step("STAT", fmt.Sprintf("+OK 3 %d", total))
	step("NOOP", "+OK")
	step("CAPA", "+OK capability list follows")
	if got := rc.multi(); strings.Contains(got, "USER") || !strings.Contains(got, "UIDL") {
		t.Errorf("CAPA after login = %q, want no USER", got)
	}
	step("QUIT", "+OK pop.example.org POP3 server signing off (3 messages left)")
	if !rc.closed() {
		t.Error("connection open after QUIT")
	}
	e.waitIdle()
	if got := e.inboxUIDs(alice); len(got) != 3 {
		t.Errorf("INBOX after RSET and QUIT = %v, want 3 messages", got)
	}
}

func TestDeleteAppliedAtQuitOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	var uids []uint32
	for i := range 4 {
		uids = append(uids, e.deliver(alice, fmt.Sprintf("Subject: %d\r\n\r\nbody %d\r\n", i, i)))
	}

	// Dropped without QUIT: nothing goes.
	rc := e.dialRaw()
	rc.login(alice)
	for _, c := range []string{"DELE 1", "DELE 2"} {
		if got := rc.cmd(c); !strings.HasPrefix(got, "+OK") {
			t.Fatalf("%s = %q", c, got)
		}
	}
	rc.c.Close()
	e.waitIdle()
	if got := e.inboxUIDs(alice); !slices.Equal(got, uids) {
		t.Fatalf("INBOX after DELE and drop = %v, want %v", got, uids)
	}

	// Deleted at QUIT, and before it still there for IMAP.
	rc = e.dialRaw()
	rc.login(alice)
	for _, c := range []string{"DELE 1", "DELE 3"} {
		if got := rc.cmd(c); !strings.HasPrefix(got, "+OK") {
			t.Fatalf("%s = %q", c, got)
		}
	}
	if got := e.inboxUIDs(alice); !slices.Equal(got, uids) {
		t.Fatalf("INBOX before QUIT = %v, want %v", got, uids)
	}
	if got := rc.cmd("QUIT"); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("QUIT = %q", got)
	}
	// The reply follows the commit.
	if got, want := e.inboxUIDs(alice), []uint32{uids[1], uids[3]}; !slices.Equal(got, want) {
		t.Errorf("INBOX after DELE 1, DELE 3, QUIT = %v, want %v", got, want)
	}
}

func TestPipelining(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.deliver(alice, msgCRLF)
	e.deliver(alice, msgLF)
	rc := e.dialRaw()
	// Everything in one write; the replies must come back in order.
	rc.write("USER " + alice + "\r\nPASS " + password(alice) + "\r\nSTAT\r\nLIST\r\nRETR 2\r\nTOP 1 1\r\nDELE 1\r\nUIDL\r\nNOOP\r\nBOGS\r\nQUIT\r\n")
	want := []struct {
		first string
		multi string
	}{
		{"+OK send PASS", ""},
		{"+OK maildrop locked and ready, 2 messages", ""},
		{fmt.Sprintf("+OK 2 %d", len(sentForm(msgCRLF))+len(sentForm(msgLF))), ""},
		{fmt.Sprintf("+OK 2 messages (%d octets)", len(sentForm(msgCRLF))+len(sentForm(msgLF))), fmt.Sprintf("1 %d\r\n2 %d\r\n", len(sentForm(msgCRLF)), len(sentForm(msgLF)))},
		{fmt.Sprintf("+OK %d octets", len(sentForm(msgLF))), sentForm(msgLF)},
		{"+OK top of message follows", "Subject: one\r\nFrom: a@example.net\r\n\r\nline 1\r\n"},
		{"+OK message 1 deleted", ""},
		{"+OK unique-id listing follows", "*"},
		{"+OK", ""},
		{"-ERR unknown command", ""},
		{"+OK pop.example.org POP3 server signing off (1 messages left)", ""},
	}
	for i, w := range want {
		if got := rc.line(); got != w.first {
			t.Fatalf("reply %d = %q, want %q", i, got, w.first)
		}
		if w.multi != "" {
			if got := rc.multi(); w.multi != "*" && got != w.multi {
				t.Errorf("reply %d body = %q, want %q", i, got, w.multi)
			}
		}
	}
	e.waitIdle()
	if got := e.inboxUIDs(alice); len(got) != 1 {
		t.Errorf("INBOX = %v, want one message", got)
	}
}

func TestInUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.deliver(alice, msgCRLF)
	first := e.dialRaw()
	first.login(alice)
	second := e.dialRaw()
	second.cmd("USER " + alice)
	if got := second.cmd("PASS " + password(alice)); !strings.HasPrefix(got, "-ERR [IN-USE] ") {
		t.Fatalf("second login = %q, want -ERR [IN-USE]", got)
	}
	// Still in AUTHORIZATION: another account may log in.
	second.login(bob)
	if got := second.cmd("STAT"); got != "+OK 0 0" {
		t.Errorf("STAT of bob = %q", got)
	}
	if got := first.cmd("QUIT"); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("QUIT = %q", got)
	}
	e.waitIdleExcept(1)
	third := e.dialRaw()
	third.login(alice)
	if got := third.cmd("STAT"); !strings.HasPrefix(got, "+OK 1 ") {
		t.Errorf("STAT after the lock was released = %q", got)
	}
}

// waitIdleExcept waits until at most n sessions are left.
func (e *testEnv) waitIdleExcept(n int) {
	e.t.Helper()
	for range 2000 {
		e.srv.mu.Lock()
		left := len(e.srv.sessions)
		e.srv.mu.Unlock()
		if left <= n {
			return
		}
		sleepMs(5)
	}
	e.t.Fatalf("more than %d sessions still open", n)
}

func TestUIDLStable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	for i := range 3 {
		e.deliver(alice, fmt.Sprintf("Subject: %d\r\n\r\nx\r\n", i))
	}
	uidls := func() []string {
		rc := e.dialRaw()
		rc.login(alice)
		rc.cmd("UIDL")
		var ids []string
		for l := range strings.SplitSeq(strings.TrimSuffix(rc.multi(), "\r\n"), "\r\n") {
			_, id, _ := strings.Cut(l, " ")
			ids = append(ids, id)
		}
		if got := rc.cmd("QUIT"); !strings.HasPrefix(got, "+OK") {
			t.Fatalf("QUIT = %q", got)
		}
		e.waitIdle()
		return ids
	}
	before := uidls()
	if again := uidls(); !slices.Equal(again, before) {
		t.Fatalf("UIDLs changed between sessions: %v then %v", before, again)
	}
	// Delete the first, add one: the others keep their ids, the new one
	// gets a new id.
	rc := e.dialRaw()
	rc.login(alice)
	rc.cmd("DELE 1")
	rc.cmd("QUIT")
	e.waitIdle()
	e.deliver(alice, "Subject: new\r\n\r\ny\r\n")
	after := uidls()
	if len(after) != 3 || !slices.Equal(after[:2], before[1:]) {
		t.Errorf("UIDLs after deleting the first and adding one = %v, want %v then a new id", after, before[1:])
	}
	if slices.Contains(before, after[2]) {
		t.Errorf("new message got an old id %s", after[2])
	}
}

func TestRefusedAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	for _, c := range []struct {
		name, user, pass, want string
	}{
		{"disabled", dave, password(dave), "-ERR [AUTH] "},
		{"imap only", erin, password(erin), "-ERR [AUTH] POP3 access not allowed"},
		{"unknown", "nobody@example.org", "x", "-ERR [AUTH] invalid credentials"},
		{"wrong password", alice, "wrong", "-ERR [AUTH] invalid credentials"},
	} {
		rc := e.dialRaw()
		rc.cmd("USER " + c.user)
		if got := rc.cmd("PASS " + c.pass); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: PASS = %q, want %q", c.name, got, c.want)
		}
		if got := rc.cmd("STAT"); !strings.HasPrefix(got, "-ERR") {
			t.Errorf("%s: STAT after refusal = %q", c.name, got)
		}
		rc.c.Close()
	}
}

func TestEmptyMaildrop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	rc := e.dialRaw()
	rc.login(empty)
	if got := rc.cmd("STAT"); got != "+OK 0 0" {
		t.Errorf("STAT = %q", got)
	}
	if got := rc.cmd("LIST"); got != "+OK 0 messages (0 octets)" {
		t.Errorf("LIST = %q", got)
	}
	if got := rc.multi(); got != "" {
		t.Errorf("LIST body = %q", got)
	}
	if got := rc.cmd("RETR 1"); got != "-ERR no such message" {
		t.Errorf("RETR 1 = %q", got)
	}
	if got := rc.cmd("QUIT"); !strings.HasPrefix(got, "+OK") {
		t.Errorf("QUIT = %q", got)
	}
}

// TestConcurrentChanges: the maildrop is fixed at login; a message
// delivered meanwhile survives QUIT, and one removed by another client
// meanwhile does not make QUIT fail.
func TestConcurrentChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	first := e.deliver(alice, msgCRLF)
	second := e.deliver(alice, msgLF)
	rc := e.dialRaw()
	rc.login(alice)
	later := e.deliver(alice, msgNoEnd)
	if got := rc.cmd("STAT"); !strings.HasPrefix(got, "+OK 2 ") {
		t.Errorf("STAT after a delivery = %q, want the 2 messages of login time", got)
	}
	mb, err := e.st.GetMailbox(alice, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Remove(t.Context(), mb.ID, []uint32{second}); err != nil {
		t.Fatal(err)
	}
	// Removed by another client: served whole while its record lasts
	// (until compaction), else refused; never cut short.
	switch got := rc.cmd("RETR 2"); got {
	case fmt.Sprintf("+OK %d octets", len(sentForm(msgLF))):
		if body := rc.multi(); body != sentForm(msgLF) {
			t.Errorf("RETR 2 = %q", body)
		}
	case "-ERR message was removed by another session":
	default:
		t.Errorf("RETR 2 of a removed message = %q", got)
	}
	rc.cmd("DELE 1")
	rc.cmd("DELE 2")
	if got := rc.cmd("QUIT"); !strings.HasPrefix(got, "+OK") {
		t.Errorf("QUIT = %q", got)
	}
	e.waitIdle()
	if got := e.inboxUIDs(alice); !slices.Equal(got, []uint32{later}) {
		t.Errorf("INBOX = %v, want only %d (not %d, %d)", got, later, first, second)
	}
}

// TestUIDLOneMatchesListing checks that "UIDL n" and the listing give the
// same id, "%08X%08X" of the UID and the INBOX's UIDVALIDITY.
func TestUIDLOneMatchesListing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.deliver(alice, msgCRLF)
	uid := e.deliver(alice, msgLF)
	mb, err := e.st.GetMailbox(alice, store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("%08X%08X", uid, mb.UIDValidity)
	rc := e.dialRaw()
	rc.login(alice)
	if got, want := rc.cmd("UIDL 2"), "+OK 2 "+id; got != want {
		t.Errorf("UIDL 2 = %q, want %q", got, want)
	}
	if got := rc.cmd("UIDL"); got != "+OK unique-id listing follows" {
		t.Fatalf("UIDL = %q", got)
	}
	if got := rc.multi(); !strings.HasSuffix(got, "\r\n2 "+id+"\r\n") {
		t.Errorf("UIDL listing = %q, want its line 2 %q", got, id)
	}
}
