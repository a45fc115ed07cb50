package pop3d

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/mailtest"
)

// TestFetchmail retrieves the maildrop with fetchmail (which deletes what
// it fetched) and compares what its MDA received with what was stored.
func TestFetchmail(t *testing.T) {
	t.Parallel()
	fm := mailtest.Tool(t, "fetchmail", "fetchmail")
	e := newEnv(t, envOptions{})
	bodies := []string{msgCRLF, msgLF, msgNoEnd, bigMessage(2 << 20)}
	for _, b := range bodies {
		e.deliver(alice, b)
	}
	home := t.TempDir()
	out := filepath.Join(home, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		t.Fatal(err)
	}
	mda := filepath.Join(home, "deliver.sh")
	if err := os.WriteFile(mda, []byte("#!/bin/sh\ncat > \"$(mktemp "+out+"/msg.XXXXXX)\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(e.addr)
	rc := fmt.Sprintf(`set no syslog
poll 127.0.0.1 service %s protocol pop3 auth password timeout 30
  user "%s" there with password "%s" is "tester" here
  mda "%s"
  fetchall
  sslproto ''
`, port, alice, password(alice), mda)
	rcFile := filepath.Join(home, "fetchmailrc")
	if err := os.WriteFile(rcFile, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), fm, "-f", rcFile, "--idfile", filepath.Join(home, "ids"), "--pidfile", filepath.Join(home, "pid"), "--nodetach", "-v")
	cmd.Env = append(os.Environ(), "HOME="+home, "FETCHMAILHOME="+home)
	cmd.WaitDelay = 5 * time.Second
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fetchmail: %v\n%s", err, outb)
	}
	files, err := filepath.Glob(filepath.Join(out, "msg.*"))
	if err != nil || len(files) != len(bodies) {
		t.Fatalf("fetchmail delivered %d messages (%v), want %d\n%s", len(files), err, len(bodies), outb)
	}
	var got []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	// fetchmail hands its MDA LF line endings and adds a Received field
	// on top; the rest must be the message as sent.
	for i, b := range bodies {
		want := strings.ReplaceAll(sentForm(b), "\r\n", "\n")
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasSuffix(g, want) }) {
			t.Errorf("message %d (%d bytes) not among what fetchmail delivered\n%s", i+1, len(b), outb)
		}
	}
	e.waitIdle()
	if left := e.inboxUIDs(alice); len(left) != 0 {
		t.Errorf("INBOX after fetchmail = %v, want empty (fetched messages are deleted)", left)
	}
}

// bigMessage is a message of about n bytes in 76-character lines, some of
// which start with a dot.
func bigMessage(n int) string {
	var b strings.Builder
	b.WriteString("Subject: big\r\nContent-Type: text/plain\r\n\r\n")
	for i := 0; b.Len() < n; i++ {
		if i%7 == 0 {
			b.WriteString(".")
		}
		fmt.Fprintf(&b, "%08d %s\r\n", i, strings.Repeat("x", 66))
	}
	return b.String()
}
