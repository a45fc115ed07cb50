package pop3d

import (
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/listener"
)

func TestMalformedInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.deliver(alice, msgCRLF)
	long := "USER " + strings.Repeat("a", 260)
	for _, c := range []struct {
		name   string
		login  bool // in TRANSACTION
		line   string
		want   string
		closes bool
	}{
		{"empty line", false, "\r\n", "-ERR malformed command", false},
		{"over 255 octets", false, long + "\r\n", "-ERR line too long", false},
		{"255 octets exactly is fine", false, "USER " + strings.Repeat("a", 248) + "\r\n", "+OK send PASS", false},
		{"NUL byte", false, "USER a\x00b\r\n", "-ERR malformed command", false},
		{"NUL keyword", false, "\x00\r\n", "-ERR malformed command", false},
		{"bare CR inside", false, "NOOP\rSTAT\r\n", "-ERR malformed command", false},
		{"tab", false, "USER\tx\r\n", "-ERR malformed command", false},
		{"unknown command", false, "XYZZ\r\n", "-ERR unknown command", false},
		{"APOP unsupported", false, "APOP alice 0123456789abcdef\r\n", "-ERR unknown command", false},
		{"long keyword", false, "RETRIEVE 1\r\n", "-ERR malformed command", false},
		{"short keyword", false, "RE 1\r\n", "-ERR malformed command", false},
		{"digit keyword", false, "RET1\r\n", "-ERR malformed command", false},
		{"too many args", false, "TOP 1 2 3\r\n", "-ERR malformed command", false},
		{"bare LF line end", false, "CAPA\n", "+OK capability list follows", false},
		{"wrong state STAT", false, "STAT\r\n", "-ERR command not valid in this state", false},
		{"wrong state RETR", false, "RETR 1\r\n", "-ERR command not valid in this state", false},
		{"PASS without USER", false, "PASS x\r\n", "-ERR PASS without USER", false},
		{"USER without name", false, "USER\r\n", "-ERR syntax error: USER name", false},
		{"CAPA with argument", false, "CAPA x\r\n", "-ERR syntax error: CAPA takes no argument", false},
		{"STLS not offered", false, "STLS\r\n", "-ERR STLS not available", false},
		{"AUTH unknown mechanism", false, "AUTH CRAM-MD5\r\n", "-ERR unsupported authentication mechanism", false},
		{"AUTH bad base64", false, "AUTH PLAIN !!!\r\n", "-ERR malformed base64 in authentication", false},
		{"wrong state USER", true, "USER " + alice + "\r\n", "-ERR command not valid in this state", false},
		{"wrong state STLS", true, "STLS\r\n", "-ERR command not valid in this state", false},
		{"huge number", true, "RETR 99999999999999999999\r\n", "-ERR invalid message number", false},
		{"nine digits", true, "RETR 999999999\r\n", "-ERR no such message", false},
		{"negative number", true, "RETR -1\r\n", "-ERR invalid message number", false},
		{"plus sign", true, "LIST +1\r\n", "-ERR invalid message number", false},
		{"zero", true, "DELE 0\r\n", "-ERR no such message", false},
		{"letters", true, "DELE one\r\n", "-ERR invalid message number", false},
		{"TOP negative lines", true, "TOP 1 -1\r\n", "-ERR invalid number of lines", false},
		{"TOP huge lines", true, "TOP 1 18446744073709551616\r\n", "-ERR invalid number of lines", false},
		{"TOP without lines", true, "TOP 1\r\n", "-ERR syntax error: TOP msg lines", false},
		{"RETR without number", true, "RETR\r\n", "-ERR syntax error: RETR msg", false},
		{"STAT with argument", true, "STAT 1\r\n", "-ERR syntax error: STAT takes no argument", false},
		{"over-long in transaction", true, "LIST " + strings.Repeat("1", 300) + "\r\n", "-ERR line too long", false},
		{"line with no end", false, strings.Repeat("x", 70<<10), "-ERR line too long, closing connection", true},
	} {
		rc := e.dialRaw()
		if c.login {
			rc.login(alice)
		}
		rc.write(c.line)
		if got := rc.line(); got != c.want {
			t.Errorf("%s: %q -> %q, want %q", c.name, trimForLog(c.line), got, c.want)
		}
		if c.closes {
			if !rc.closed() {
				t.Errorf("%s: connection still open", c.name)
			}
		} else if got := rc.cmd("NOOP"); c.login && got != "+OK" {
			// The session goes on after a bad command.
			t.Errorf("%s: NOOP afterwards = %q", c.name, got)
		}
		rc.c.Close()
		e.waitIdle()
	}
}

func trimForLog(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// TestBadCommandsDrop: the listener's Guard ends the session at its limit.
func TestBadCommandsDrop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{listener: &listener.Options{MaxBadCommands: 3, Penalties: listener.NewPenalties(listener.PenaltyOptions{BanAfterDrops: -1})}})
	rc := e.dialRaw()
	for i, want := range []string{"-ERR unknown command", "-ERR malformed command", "-ERR too many bad commands, closing connection"} {
		line := []string{"XYZZ", "\x00", "STAT"}[i]
		if got := rc.cmd(line); got != want {
			t.Errorf("bad command %d = %q, want %q", i+1, got, want)
		}
	}
	if !rc.closed() {
		t.Error("connection open after too many bad commands")
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	t.Run("own timer before login", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{opts: Options{IdleTimeout: 200 * time.Millisecond}})
		rc := e.dialRaw()
		start := time.Now()
		if got := rc.line(); got != "-ERR autologout: idle for too long" {
			t.Errorf("after idling = %q", got)
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Errorf("autologout after %v, want about 200ms", d)
		}
		if !rc.closed() {
			t.Error("connection open after autologout")
		}
	})
	t.Run("account timer after login", func(t *testing.T) {
		t.Parallel()
		// The listener's idle timeout is long; ivan's own (300ms) takes
		// over at login and nothing is deleted.
		e := newEnv(t, envOptions{listener: &listener.Options{IdleTimeout: time.Minute}})
		e.deliver(ivan, msgCRLF)
		rc := e.dialRaw()
		rc.login(ivan)
		rc.cmd("DELE 1")
		start := time.Now()
		if got := rc.line(); got != "-ERR autologout: idle for too long" {
			t.Errorf("after idling = %q", got)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("autologout after %v", d)
		}
		e.waitIdle()
		if got := e.inboxUIDs(ivan); len(got) != 1 {
			t.Errorf("INBOX after autologout = %v, want the message kept", got)
		}
	})
}

// TestActivityTimeout: the account's activity timeout ends a session
// however busy the client is, applied by the listener.Conn or, without
// one, by the session itself.
func TestActivityTimeout(t *testing.T) {
	t.Parallel()
	for name, lo := range map[string]*listener.Options{"own": nil, "listener": {}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{listener: lo})
			rc := e.dialRaw()
			rc.login(frank)
			start := time.Now()
			for time.Since(start) < 20*time.Second {
				got := rc.cmd("NOOP")
				if got == "+OK" {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				if got != "-ERR autologout: idle for too long" {
					t.Errorf("NOOP = %q", got)
				}
				if d := time.Since(start); d < 300*time.Millisecond {
					t.Errorf("session ended after %v, want about 500ms", d)
				}
				return
			}
			t.Error("session still open after 20s of NOOPs")
		})
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.deliver(alice, msgCRLF)
	rc := e.dialRaw()
	rc.login(alice)
	rc.cmd("DELE 1")
	waiting := e.dialRaw()
	done := make(chan error, 1)
	go func() { done <- e.srv.Shutdown(t.Context()) }()
	if got := rc.line(); got != "-ERR [SYS/TEMP] server shutting down" {
		t.Errorf("logged-in session at shutdown = %q", got)
	}
	if got := waiting.line(); got != "-ERR [SYS/TEMP] server shutting down" {
		t.Errorf("waiting session at shutdown = %q", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if got := e.inboxUIDs(alice); len(got) != 1 {
		t.Errorf("INBOX after shutdown = %v, want nothing deleted", got)
	}
}
