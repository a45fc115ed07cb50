package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/mailtest"
)

func TestAccountAdd(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	d.quiet(t, "domain", "add", "example.org")
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string // in stderr
	}{
		{"password on stdin", plaintext + "\n", []string{"alice@example.org", "--password-stdin", "--display-name", "Alice Liddell"}, 0, ""},
		{"password on stdin without newline", plaintext, []string{"amy@example.org", "--password-stdin"}, 0, ""},
		{"dovecot SHA512-CRYPT hash", "", []string{"bob@example.org", "--password-hash", sha512Hash}, 0, ""},
		{"hash with rounds", "", []string{"bea@example.org", "--password-hash", sha512Rounds}, 0, ""},
		{"no password", "", []string{"Carol@Example.ORG", "--quota", "100M"}, 0, ""},
		{"weak hash", "", []string{"dave@example.org", "--password-hash", "{PLAIN}hunter2"}, 70, "weak password scheme refused"},
		{"weak md5-crypt", "", []string{"dave@example.org", "--password-hash", "{MD5-CRYPT}$1$saltsalt$abcdefghijklmnopqrstuv"}, 70, "weak"},
		{"malformed hash", "", []string{"dave@example.org", "--password-hash", "{SHA512-CRYPT}$6$nope"}, 70, "malformed password hash"},
		{"unknown scheme", "", []string{"dave@example.org", "--password-hash", "{ROT13}uhagre2"}, 70, "unknown password scheme"},
		{"hash with a space", "", []string{"dave@example.org", "--password-hash", "{SHA512-CRYPT}$6$a b$c"}, 70, "invalid"},
		{"both password flags", plaintext + "\n", []string{"dave@example.org", "--password-stdin", "--password-hash", sha512Hash}, 64, "exclude each other"},
		{"nothing on stdin", "", []string{"dave@example.org", "--password-stdin"}, 64, "no password on stdin"},
		{"empty line on stdin", "\n", []string{"dave@example.org", "--password-stdin"}, 64, "empty password"},
		{"exists", "", []string{"ALICE@example.org"}, 70, "already exists"},
		{"no such domain", "", []string{"x@nowhere.example"}, 70, "domain does not exist"},
		{"not an address", "", []string{"not-an-address"}, 70, "invalid"},
		{"bad size", "", []string{"dave@example.org", "--quota", "lots"}, 64, `"lots" is not a size`},
		{"missing address", "", nil, 64, "accepts 1 arg"},
		{"two addresses", "", []string{"dave@example.org", "eve@example.org"}, 64, "accepts 1 arg"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"account", "add"}, c.args...)
			if c.code == 0 {
				d.quietStdin(t, c.stdin, args...)
				return
			}
			d.refuseStdin(t, c.stdin, c.code, c.want, args...)
		})
	}
	// Nothing refused was created.
	d.refuse(t, 70, "does not exist", "account", "show", "dave@example.org")
	var a directory.Account
	d.decode(t, &a, "account", "add", "erin@example.org", "--display-name", "Erin", "--messages-per-hour", "5")
	if a.Email != "erin@example.org" || a.DisplayName != "Erin" || a.Settings.MessagesPerHour == nil || *a.Settings.MessagesPerHour != 5 {
		t.Errorf("account add --json = %+v", a)
	}
}

func TestAccountListShow(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	d.quiet(t, "domain", "add", "example.org")
	d.quiet(t, "domain", "add", "other.example")
	d.quietStdin(t, plaintext+"\n", "account", "add", "Alice@example.org", "--password-stdin", "--display-name", "Alice")
	d.quiet(t, "account", "add", "bob@example.org")
	d.quiet(t, "account", "add", "carl@other.example", "--password-hash", sha512Hash)
	d.quiet(t, "alias", "add", "info@example.org", "alice@example.org", "bob@example.org")
	d.quiet(t, "alias", "add", "@example.org", "ALICE@example.org")

	for _, c := range []struct {
		name string
		args []string
		want [][]string
	}{
		{"all", nil, [][]string{{"EMAIL", "DISPLAY", "NAME", "CREATED"}, {"Alice@example.org", "Alice"}, {"bob@example.org"}, {"carl@other.example"}}},
		{"one domain", []string{"--domain", "example.org"}, [][]string{{"EMAIL"}, {"Alice@example.org"}, {"bob@example.org"}}},
		{"domain in capitals", []string{"--domain", "OTHER.example"}, [][]string{{"EMAIL"}, {"carl@other.example"}}},
		{"domain without accounts", []string{"--domain", "none.example"}, [][]string{{"EMAIL"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows := tableRows(d.ok(t, append([]string{"account", "list"}, c.args...)...))
			if len(rows) != len(c.want) {
				t.Fatalf("account list %v = %q, want %d rows", c.args, rows, len(c.want))
			}
			for i, w := range c.want {
				if len(rows[i]) < len(w) || strings.Join(rows[i][:len(w)], " ") != strings.Join(w, " ") {
					t.Errorf("account list %v row %d = %q, want %q", c.args, i, rows[i], w)
				}
			}
			var list []directory.Account
			d.decode(t, &list, append([]string{"account", "list"}, c.args...)...)
			if len(list) != len(c.want)-1 {
				t.Errorf("account list %v --json: %d accounts, want %d", c.args, len(list), len(c.want)-1)
			}
		})
	}

	out := d.ok(t, "account", "show", "alice@EXAMPLE.org")
	for name, want := range map[string]string{
		"account":      "Alice@example.org",
		"display name": "Alice",
		"password":     "set",
		"aliases":      "@example.org, info@example.org",
		"usage":        "0 in 0 messages",
	} {
		if got := showField(out, name); got != want {
			t.Errorf("account show: %s = %q, want %q\n%s", name, got, want, out)
		}
	}
	if got := showField(d.ok(t, "account", "show", "bob@example.org"), "password"); got != "none (cannot log in)" {
		t.Errorf("account show of an account without password: password %q", got)
	}
	var info control.AccountInfo
	d.decode(t, &info, "account", "show", "carl@other.example")
	if info.Account.Email != "carl@other.example" || !info.HasPassword || len(info.Aliases) != 0 ||
		info.Usage.Messages != 0 || len(info.Origins) != 9 || info.Origins["quota"] != "server" {
		t.Errorf("account show --json = %+v", info)
	}
	d.refuse(t, 70, "does not exist", "account", "show", "nobody@example.org")
	d.refuse(t, 64, "accepts 1 arg", "account", "show")
	d.refuse(t, 64, "unknown flag", "account", "list", "--domian", "example.org")
}

// An account inherits a domain limit, overrides it, and inherits again.
func TestAccountSettings(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	d.quiet(t, "domain", "add", "example.org")
	d.quiet(t, "account", "add", "a@example.org")
	for _, step := range []struct {
		name string
		args []string // axctl arguments
		want map[string]setting
		json map[string]string // origins in account show --json
	}{
		{"server default", nil,
			map[string]setting{"quota": {"unlimited", "server"}, "idle-timeout": {"30m0s", "server"}}, map[string]string{"quota": "server"}},
		{"inherits the domain", []string{"domain", "set", "example.org", "--quota", "2G", "--idle-timeout", "10m"},
			map[string]setting{"quota": {"2G", "domain"}, "idle-timeout": {"10m0s", "domain"}}, map[string]string{"quota": "domain"}},
		{"overrides the domain", []string{"account", "set", "a@example.org", "--quota", "500M"},
			map[string]setting{"quota": {"500M", "account"}, "idle-timeout": {"10m0s", "domain"}}, map[string]string{"quota": "account"}},
		{"domain change does not reach an override", []string{"domain", "set", "example.org", "--quota", "3G"},
			map[string]setting{"quota": {"500M", "account"}}, map[string]string{"quota": "account"}},
		{"every other limit", []string{"account", "set", "a@example.org", "--quota-messages", "7", "--max-message-size", "2M",
			"--max-attachment-size", "1M", "--messages-per-hour", "9", "--idle-timeout", "2m", "--activity-timeout", "3h", "--services", "imap,submission"},
			map[string]setting{"quota-messages": {"7", "account"}, "max-message-size": {"2M", "account"},
				"max-attachment-size": {"1M", "account"}, "messages-per-hour": {"9", "account"}, "idle-timeout": {"2m0s", "account"},
				"activity-timeout": {"3h0m0s", "account"}, "services": {"submission,imap", "account"}},
			map[string]string{"services": "account", "activity-timeout": "account"}},
		{"inherit returns to the domain", []string{"account", "set", "a@example.org", "--inherit", "quota,idle-timeout"},
			map[string]setting{"quota": {"3G", "domain"}, "idle-timeout": {"10m0s", "domain"}, "quota-messages": {"7", "account"}},
			map[string]string{"quota": "domain", "quota-messages": "account"}},
		{"inherit the rest", []string{"account", "set", "a@example.org", "--inherit", "quota-messages,max-message-size,max-attachment-size,messages-per-hour,activity-timeout,services"},
			map[string]setting{"quota-messages": {"unlimited", "server"}, "services": {"smtp,submission,lmtp,imap,pop3", "server"},
				"max-message-size": {"50M", "server"}}, map[string]string{"services": "server"}},
		{"disable", []string{"account", "disable", "a@example.org"},
			map[string]setting{"enabled": {"false", "account"}}, map[string]string{"enabled": "account"}},
		{"enable", []string{"account", "enable", "A@example.org"},
			map[string]setting{"enabled": {"true", "account"}}, map[string]string{"enabled": "account"}},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.args != nil {
				d.quiet(t, step.args...)
			}
			wantSettings(t, "account show", d.ok(t, "account", "show", "a@example.org"), step.want)
			var info control.AccountInfo
			d.decode(t, &info, "account", "show", "a@example.org")
			for f, o := range step.json {
				if info.Origins[f] != o {
					t.Errorf("account show --json: origin of %s = %q, want %q", f, info.Origins[f], o)
				}
			}
		})
	}

	var a directory.Account
	d.decode(t, &a, "account", "set", "a@example.org", "--display-name", "Anna A.")
	if a.DisplayName != "Anna A." || a.Settings.QuotaBytes != nil {
		t.Errorf("account set --display-name --json = %+v", a)
	}
	d.refuse(t, 70, "both set and inherited", "account", "set", "a@example.org", "--quota", "1G", "--inherit", "quota")
	d.refuse(t, 64, "--inherit", "account", "set", "a@example.org", "--inherit", "colour")
	d.refuse(t, 64, "--services", "account", "set", "a@example.org", "--services", "imap,gopher")
	d.refuse(t, 64, "not a duration", "account", "set", "a@example.org", "--idle-timeout", "soon")
	d.refuse(t, 64, "negative", "account", "set", "a@example.org", "--quota-messages", "-1")
	d.refuse(t, 70, "does not exist", "account", "set", "b@example.org", "--quota", "1G")
	d.refuse(t, 70, "does not exist", "account", "disable", "b@example.org")
	d.refuse(t, 70, "does not exist", "account", "enable", "b@example.org")
}

// Passwords and hashes: passwd, remove, and no secret in any output but
// export's, nor in axd's log.
func TestAccountPasswordsAndSecrets(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	d.quiet(t, "domain", "add", "example.org")
	d.quiet(t, "account", "add", "a@example.org", "--password-hash", sha512Hash)
	d.quiet(t, "account", "add", "b@example.org")
	hashOf := func(email string) string {
		t.Helper()
		for line := range strings.Lines(d.ok(t, "export")) {
			if f := strings.Split(strings.TrimSpace(line), ","); f[0] == email {
				return strings.Trim(f[1], `"`)
			}
		}
		t.Fatalf("export has no %s", email)
		return ""
	}
	if got := hashOf("a@example.org"); got != sha512Hash {
		t.Fatalf("hash after add = %q, want the given one", got)
	}

	d.quietStdin(t, plaintext+"\n", "account", "passwd", "a@example.org", "--password-stdin")
	argon := hashOf("a@example.org")
	if !strings.HasPrefix(argon, "{ARGON2ID}$argon2id$") || strings.Contains(argon, plaintext) {
		t.Fatalf("hash after passwd --password-stdin = %q, want axd's argon2id", argon)
	}
	d.quiet(t, "account", "passwd", "b@example.org", "--password-hash", sha512Rounds)
	if got := hashOf("b@example.org"); got != sha512Rounds {
		t.Fatalf("hash after passwd --password-hash = %q", got)
	}
	if got := showField(d.ok(t, "account", "show", "b@example.org"), "password"); got != "set" {
		t.Errorf("account show after passwd: password %q", got)
	}
	d.refuse(t, 64, "give --password-stdin or --password-hash", "account", "passwd", "a@example.org")
	d.refuseStdin(t, "x\n", 64, "exclude each other", "account", "passwd", "a@example.org", "--password-stdin", "--password-hash", sha512Hash)
	d.refuse(t, 70, "weak", "account", "passwd", "a@example.org", "--password-hash", "{PLAIN-MD5}5f4dcc3b5aa765d61d8327deb882cf99")
	d.refuse(t, 70, "malformed", "account", "passwd", "a@example.org", "--password-hash", "{SHA512-CRYPT}garbage")
	d.refuse(t, 70, "does not exist", "account", "passwd", "nobody@example.org", "--password-hash", sha512Hash)
	if got := hashOf("a@example.org"); got != argon {
		t.Errorf("a refused passwd changed the hash to %q", got)
	}

	// Secrets appear in no output but export's, and never in the log.
	secrets := []string{plaintext, sha512Hash, sha512Rounds, argon, "$6$", "$argon2id$", "hunter2", "5f4dcc3b5aa765d61d8327deb882cf99"}
	_, errOut, _ := d.run(t, "", "account", "add", "c@example.org", "--password-hash", "{PLAIN}hunter2")
	outputs := map[string]string{"refused weak hash": errOut}
	for _, args := range [][]string{
		{"account", "show", "a@example.org"},
		{"account", "show", "a@example.org", "--json"},
		{"account", "show", "b@example.org", "--json"},
		{"account", "list"},
		{"account", "list", "--json"},
		{"account", "set", "a@example.org", "--display-name", "A", "--json"},
		{"account", "add", "d@example.org", "--password-hash", sha512Hash, "--json"},
		{"domain", "show", "example.org", "--json"},
		{"status", "--json"},
	} {
		out, errOut, code := d.run(t, "", args...)
		if code != 0 {
			t.Fatalf("axctl %v = %d: %s", args, code, errOut)
		}
		outputs[strings.Join(args, " ")] = out + errOut
	}
	outputs["axd log"] = d.Log()
	for what, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s shows the secret %q:\n%s", what, s, out)
			}
		}
		if strings.Contains(out, "password_hash") {
			t.Errorf("%s has a password_hash field:\n%s", what, out)
		}
	}
	var raw struct{ Account map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(d.ok(t, "account", "show", "a@example.org", "--json")), &raw); err != nil {
		t.Fatal(err)
	}
	for k := range raw.Account {
		if strings.Contains(strings.ToLower(k), "pass") || strings.Contains(strings.ToLower(k), "hash") {
			t.Errorf("account show --json has account.%s", k)
		}
	}

	d.quiet(t, "account", "remove", "A@example.org")
	d.refuse(t, 70, "does not exist", "account", "show", "a@example.org")
	d.refuse(t, 70, "does not exist", "account", "remove", "a@example.org")
	d.refuse(t, 64, "accepts 1 arg", "account", "remove")
}
