package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/mailtest"
)

// Every command that prints data prints valid JSON with --json, and a
// human table (not JSON) without it.
func TestJSONEverywhere(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		kind  byte   // '{' or '['
		human string // in the output without --json; "" for commands silent without it
	}{
		{"domain add", "", []string{"domain", "add", "example.org", "--quota", "1G"}, '{', ""},
		{"domain set", "", []string{"domain", "set", "example.org", "--quota", "2G"}, '{', ""},
		{"account add", plaintext + "\n", []string{"account", "add", "a@example.org", "--password-stdin"}, '{', ""},
		{"account set", "", []string{"account", "set", "a@example.org", "--quota", "1M"}, '{', ""},
		{"alias add", "", []string{"alias", "add", "b@example.org", "a@example.org"}, '{', ""},
		{"settings set", "", []string{"settings", "set", "--messages-per-hour", "10"}, '{', ""},
		{"status", "", []string{"status"}, '{', "data dir"},
		{"domain list", "", []string{"domain", "list"}, '[', "DOMAIN"},
		{"domain show", "", []string{"domain", "show", "example.org"}, '{', "settings:"},
		{"account list", "", []string{"account", "list"}, '[', "EMAIL"},
		{"account list --domain", "", []string{"account", "list", "--domain", "example.org"}, '[', "a@example.org"},
		{"account show", "", []string{"account", "show", "a@example.org"}, '{', "settings:"},
		{"alias list", "", []string{"alias", "list"}, '[', "ALIAS"},
		{"alias list --domain", "", []string{"alias", "list", "--domain", "example.org"}, '[', "b@example.org"},
		{"settings show", "", []string{"settings", "show"}, '{', "server settings:"},
		{"export", "", []string{"export"}, '[', "email,password_hash"},
		{"export --domain", "", []string{"export", "--domain", "example.org"}, '[', "a@example.org,"},
		{"compact", "", []string{"compact"}, '{', "compacted 0 of 0"},
		{"check", "", []string{"check"}, '{', "0 problems"},
		{"domain remove --force", "", []string{"domain", "remove", "example.org", "--force"}, '{', ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := d.okStdin(t, c.stdin, append(c.args, "--json")...)
			if !json.Valid([]byte(out)) || out[0] != c.kind {
				t.Fatalf("axctl %v --json: not a JSON %c:\n%s", c.args, c.kind, out)
			}
			if c.human == "" {
				return
			}
			out = d.okStdin(t, c.stdin, c.args...)
			if json.Valid([]byte(out)) || !strings.Contains(out, c.human) {
				t.Errorf("axctl %v: want a table with %q:\n%s", c.args, c.human, out)
			}
		})
	}
}

// Without a daemon every command exits 69; usage errors are found first
// and exit 64.
func TestExitCodesWithoutDaemon(t *testing.T) {
	t.Parallel()
	sock := deadSocket(t)
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string // in stderr
	}{
		{"status", "", []string{"status"}, 69, "unreachable"},
		{"domain add", "", []string{"domain", "add", "example.org", "--quota", "1G"}, 69, "unreachable"},
		{"domain list", "", []string{"domain", "list"}, 69, "unreachable"},
		{"domain show", "", []string{"domain", "show", "example.org"}, 69, "unreachable"},
		{"domain set", "", []string{"domain", "set", "example.org", "--enabled=false"}, 69, "unreachable"},
		{"domain remove", "", []string{"domain", "remove", "example.org", "--force"}, 69, "unreachable"},
		{"account add", "", []string{"account", "add", "a@example.org", "--password-hash", sha512Hash}, 69, "unreachable"},
		{"account add --password-stdin", "pw\n", []string{"account", "add", "a@example.org", "--password-stdin"}, 69, "unreachable"},
		{"account list", "", []string{"account", "list", "--domain", "example.org"}, 69, "unreachable"},
		{"account show", "", []string{"account", "show", "a@example.org"}, 69, "unreachable"},
		{"account set", "", []string{"account", "set", "a@example.org", "--inherit", "quota"}, 69, "unreachable"},
		{"account passwd", "pw\n", []string{"account", "passwd", "a@example.org", "--password-stdin"}, 69, "unreachable"},
		{"account remove", "", []string{"account", "remove", "a@example.org"}, 69, "unreachable"},
		{"account enable", "", []string{"account", "enable", "a@example.org"}, 69, "unreachable"},
		{"account disable", "", []string{"account", "disable", "a@example.org"}, 69, "unreachable"},
		{"alias add", "", []string{"alias", "add", "x@example.org", "a@example.org"}, 69, "unreachable"},
		{"alias list", "", []string{"alias", "list"}, 69, "unreachable"},
		{"alias remove", "", []string{"alias", "remove", "x@example.org"}, 69, "unreachable"},
		{"settings show", "", []string{"settings", "show"}, 69, "unreachable"},
		{"settings set", "", []string{"settings", "set", "--quota", "1G"}, 69, "unreachable"},
		{"export", "", []string{"export", "--domain", "example.org"}, 69, "unreachable"},
		{"compact", "", []string{"compact"}, 69, "unreachable"},
		{"check", "", []string{"check"}, 69, "unreachable"},

		{"bad size", "", []string{"domain", "add", "example.org", "--quota", "lots"}, 64, `"lots" is not a size`},
		{"bad size suffix", "", []string{"account", "set", "a@example.org", "--max-message-size", "10Q"}, 64, "not a size"},
		{"negative size", "", []string{"domain", "set", "example.org", "--max-attachment-size", "-1"}, 64, "not a size"},
		{"bad count", "", []string{"domain", "add", "example.org", "--quota-messages", "many"}, 64, "invalid argument"},
		{"negative count", "", []string{"domain", "add", "example.org", "--messages-per-hour", "-5"}, 64, "negative"},
		{"bad duration", "", []string{"domain", "add", "example.org", "--idle-timeout", "soon"}, 64, "not a duration"},
		{"negative duration", "", []string{"account", "set", "a@example.org", "--activity-timeout", "-5m"}, 64, "negative"},
		{"bad service", "", []string{"domain", "add", "example.org", "--services", "imap,gopher"}, 64, "unknown service"},
		{"bad inherit", "", []string{"domain", "set", "example.org", "--inherit", "colour"}, 64, "unknown setting"},
		{"inherit on add", "", []string{"domain", "add", "example.org", "--inherit", "quota"}, 64, "unknown flag"},
		{"bad boolean", "", []string{"domain", "set", "example.org", "--enabled=maybe"}, 64, "invalid argument"},
		{"unknown flag", "", []string{"status", "--bogus"}, 64, "unknown flag"},
		{"missing domain", "", []string{"domain", "add"}, 64, "accepts 1 arg"},
		{"missing email", "", []string{"account", "show"}, 64, "accepts 1 arg"},
		{"extra argument", "", []string{"domain", "list", "extra"}, 64, "unknown command"},
		{"missing alias target", "", []string{"alias", "add", "x@example.org"}, 64, "requires at least 2 arg"},
		{"both password flags", "pw\n", []string{"account", "add", "a@example.org", "--password-stdin", "--password-hash", sha512Hash}, 64, "exclude each other"},
		{"passwd without password", "", []string{"account", "passwd", "a@example.org"}, 64, "give --password-stdin or --password-hash"},
		{"empty stdin", "", []string{"account", "passwd", "a@example.org", "--password-stdin"}, 64, "no password on stdin"},
		{"bad threshold", "", []string{"compact", "--threshold", "0"}, 64, "percentage"},
		{"unknown command", "", []string{"nonsense"}, 64, "unknown command"},
		{"domain without subcommand", "", []string{"domain"}, 64, "subcommand"},
		{"unknown domain subcommand", "", []string{"domain", "delete", "example.org"}, 64, "unknown command"},
		{"unknown account subcommand", "", []string{"account", "delete", "a@example.org"}, 64, "unknown command"},
		{"unknown alias subcommand", "", []string{"alias", "show", "x@example.org"}, 64, "unknown command"},
		{"unknown settings subcommand", "", []string{"settings", "get"}, 64, "unknown command"},
		{"settings without subcommand", "", []string{"settings"}, 64, "subcommand"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := mailtest.Run(t, c.stdin, "axctl", append([]string{"--socket", sock}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) || out != "" {
				t.Errorf("axctl %v = %d, %q, %q; want %d and stderr with %q", c.args, code, out, errOut, c.code, c.want)
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		shell, marker, file string
	}{
		{"bash", "# bash completion V2 for axctl", "bash/axctl"},
		{"zsh", "#compdef axctl", "zsh/_axctl"},
		{"fish", "# fish completion for axctl", "fish/axctl.fish"},
	} {
		t.Run(c.shell, func(t *testing.T) {
			out, errOut, code := mailtest.Run(t, "", "axctl", "completion", c.shell)
			if code != 0 || !strings.HasPrefix(out, c.marker) || errOut != "" {
				t.Fatalf("completion %s = %d, %q, stdout starts %q", c.shell, code, errOut, out[:min(len(out), 80)])
			}
			committed, err := os.ReadFile(filepath.Join("..", "..", "completions", c.file))
			if err != nil || string(committed) != out {
				t.Errorf("completions/%s differs from axctl completion %s (run make completions): %v", c.file, c.shell, err)
			}
			sh, err := exec.LookPath(c.shell)
			if err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s is missing: .ci/run installs it", c.shell)
				}
				t.Skipf("%s is not installed", c.shell)
			}
			script := filepath.Join(t.TempDir(), "axctl."+c.shell)
			if err := os.WriteFile(script, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			if msg, err := exec.Command(sh, "-n", script).CombinedOutput(); err != nil {
				t.Errorf("%s -n on the completion script: %v\n%s", c.shell, err, msg)
			}
		})
	}
	// The scripts ask axctl itself what to complete.
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{""}, []string{"account", "alias", "check", "compact", "completion", "domain", "export", "settings", "status"}},
		{[]string{"domain", ""}, []string{"add", "list", "remove", "set", "show"}},
		{[]string{"account", ""}, []string{"add", "disable", "enable", "list", "passwd", "remove", "set", "show"}},
		{[]string{"alias", ""}, []string{"add", "list", "remove"}},
		{[]string{"settings", ""}, []string{"set", "show"}},
		{[]string{"domain", "set", "x", "--max-"}, []string{"--max-attachment-size", "--max-message-size"}},
	} {
		out, _, code := mailtest.Run(t, "", "axctl", append([]string{"__complete"}, c.args...)...)
		var got []string
		for line := range strings.Lines(out) {
			if name, _, _ := strings.Cut(strings.TrimSpace(line), "\t"); name != "" && !strings.HasPrefix(name, ":") {
				got = append(got, name)
			}
		}
		for _, w := range c.want {
			if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+w+" ") {
				t.Errorf("__complete %q = %d, %q; want %s among them", c.args, code, got, w)
			}
		}
	}
}
