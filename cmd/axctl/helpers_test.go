package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/mailtest"
)

// Password hashes and a plaintext for the tests. sha512Hash is doveadm's
// SHA512-CRYPT of "secret" (internal/auth/crypt_test.go).
const (
	sha512Hash = "{SHA512-CRYPT}$6$Vf96IiH55YE4tVQ6$WuGSXGK71TjoJcT97CAfwK0ZmVgZlMzQKoPK4QrEfy1TwYh9F12WyVRCNFrEcq8tXRqHnvBCdpBtwD7g8CTGN/"
	// sha512Rounds is doveadm's SHA512-CRYPT of "secret" with rounds=10000.
	sha512Rounds = "{SHA512-CRYPT}$6$rounds=10000$b/eaLRgpHR8MGedn$cf8tB4dXaoOTWuByqTgRifyktp14O8rduvQfFictifShd/LnwaPUKoSO5UF3dAgDx.37MS9zP5wuzvqorCIYg."
	plaintext    = "C0rrect-Horse-Battery-Staple"
)

// axd is a running daemon that tests drive with the real axctl.
type axd struct{ *mailtest.Daemon }

func startAxd(t *testing.T, o mailtest.Options) axd {
	t.Helper()
	return axd{mailtest.Start(t, o)}
}

// deadSocket is a socket path nobody listens on.
func deadSocket(t *testing.T) string { return filepath.Join(t.TempDir(), "none.sock") }

// run runs axctl against the daemon and returns stdout, stderr and the
// exit code.
func (d axd) run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return mailtest.Run(t, stdin, "axctl", append([]string{"--socket", d.Socket}, args...)...)
}

// ok runs axctl and fails the test unless it exits 0; it returns stdout.
func (d axd) ok(t *testing.T, args ...string) string {
	t.Helper()
	return d.okStdin(t, "", args...)
}

func (d axd) okStdin(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, code := d.run(t, stdin, args...)
	if code != 0 {
		t.Fatalf("axctl %s = %d, want 0\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// quiet runs a command that changes something and checks that it
// succeeds in silence: cron mails any output.
func (d axd) quiet(t *testing.T, args ...string) {
	t.Helper()
	d.quietStdin(t, "", args...)
}

func (d axd) quietStdin(t *testing.T, stdin string, args ...string) {
	t.Helper()
	out, errOut, code := d.run(t, stdin, args...)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("axctl %s = %d, %q, %q; want 0 and no output", strings.Join(args, " "), code, out, errOut)
	}
}

// decode runs axctl with --json and decodes its stdout into v, a
// pointer, zeroing it first: Unmarshal keeps fields absent from the JSON.
func (d axd) decode(t *testing.T, v any, args ...string) {
	t.Helper()
	out := d.ok(t, append(args, "--json")...)
	reflect.ValueOf(v).Elem().SetZero()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("axctl %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// refuse runs axctl, wants the exit code and stderr containing want, and
// nothing on stdout.
func (d axd) refuse(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	d.refuseStdin(t, "", code, want, args...)
}

func (d axd) refuseStdin(t *testing.T, stdin string, code int, want string, args ...string) {
	t.Helper()
	out, errOut, got := d.run(t, stdin, args...)
	if got != code || !strings.Contains(errOut, want) || out != "" {
		t.Fatalf("axctl %s = %d, %q, %q; want %d and stderr with %q", strings.Join(args, " "), got, out, errOut, code, want)
	}
}

// setting is one row of the settings table of a show command.
type setting struct{ value, origin string }

// settingsOf parses the "settings:" rows of domain, account or settings
// show: name, value, (origin).
func settingsOf(t *testing.T, out string) map[string]setting {
	t.Helper()
	rows := make(map[string]setting)
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if !strings.HasPrefix(line, "  ") || len(f) != 3 || !strings.HasPrefix(f[2], "(") {
			continue
		}
		rows[f[0]] = setting{f[1], strings.Trim(f[2], "()")}
	}
	if len(rows) != 9 {
		t.Fatalf("settings table has %d rows, want 9:\n%s", len(rows), out)
	}
	return rows
}

// wantSettings checks some rows of a settings table.
func wantSettings(t *testing.T, what, out string, want map[string]setting) {
	t.Helper()
	got := settingsOf(t, out)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %s = %v, want %v", what, name, got[name], w)
		}
	}
}

// showField returns the value of a "name   value" line of a show command.
func showField(out, name string) string {
	for line := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return "<missing>"
}

// tableRows returns a table's rows as fields, the header first.
func tableRows(out string) [][]string {
	var rows [][]string
	for line := range strings.Lines(out) {
		rows = append(rows, strings.Fields(line))
	}
	return rows
}
