package main

import (
	"testing"
	"time"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/mailtest"
)

// Server settings stored with axctl override the config's limits, reach
// domains and accounts that set nothing, and survive a restart of axd.
func TestSettingsPersist(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := mailtest.Options{DataDir: dir, Config: "limits:\n  quota: 1G\n  max_message_size: 20M\n"}
	d := startAxd(t, opts)

	wantSettings(t, "settings show from the config", d.ok(t, "settings", "show"), map[string]setting{
		"quota":            {"1G", "server"},
		"max-message-size": {"20M", "server"},
		"idle-timeout":     {"30m0s", "server"},
		"enabled":          {"true", "server"},
	})
	var s control.SettingsInfo
	d.decode(t, &s, "settings", "show")
	if s.Stored.QuotaBytes != nil || s.Effective.QuotaBytes != 1<<30 || len(s.Origins) != 9 {
		t.Errorf("settings show --json before any set = %+v", s)
	}

	d.decode(t, &s, "settings", "set", "--quota", "5G", "--messages-per-hour", "100", "--idle-timeout", "10m",
		"--quota-messages", "50000", "--max-attachment-size", "15M", "--activity-timeout", "12h", "--services", "all")
	if s.Stored.QuotaBytes == nil || *s.Stored.QuotaBytes != 5<<30 || s.Effective.QuotaBytes != 5<<30 ||
		s.Effective.MessagesPerHour != 100 || s.Effective.IdleTimeout != 10*time.Minute || s.Effective.MaxMessageSize != 20<<20 {
		t.Errorf("settings set --json = %+v", s)
	}
	d.quiet(t, "settings", "set", "--max-message-size", "30M")
	d.quiet(t, "domain", "add", "example.org", "--quota", "7G")
	d.quiet(t, "account", "add", "a@example.org", "--idle-timeout", "1m")
	server := map[string]setting{
		"quota":               {"5G", "server"},
		"quota-messages":      {"50000", "server"},
		"max-message-size":    {"30M", "server"},
		"max-attachment-size": {"15M", "server"},
		"messages-per-hour":   {"100", "server"},
		"idle-timeout":        {"10m0s", "server"},
		"activity-timeout":    {"12h0m0s", "server"},
		"services":            {"smtp,submission,lmtp,imap,pop3", "server"},
	}
	account := map[string]setting{
		"quota":             {"7G", "domain"},
		"messages-per-hour": {"100", "server"},
		"max-message-size":  {"30M", "server"},
		"idle-timeout":      {"1m0s", "account"},
	}
	wantSettings(t, "settings show after set", d.ok(t, "settings", "show"), server)
	wantSettings(t, "account show after settings set", d.ok(t, "account", "show", "a@example.org"), account)

	d.Stop(t)
	d = startAxd(t, opts)
	wantSettings(t, "settings show after a restart", d.ok(t, "settings", "show"), server)
	wantSettings(t, "account show after a restart", d.ok(t, "account", "show", "a@example.org"), account)

	// --inherit returns a setting to the config's value.
	d.decode(t, &s, "settings", "set", "--inherit", "quota,max-message-size")
	if s.Stored.QuotaBytes != nil || s.Effective.QuotaBytes != 1<<30 || s.Effective.MaxMessageSize != 20<<20 ||
		s.Stored.MessagesPerHour == nil {
		t.Errorf("settings set --inherit --json = %+v", s)
	}
	wantSettings(t, "settings show after --inherit", d.ok(t, "settings", "show"), map[string]setting{
		"quota":             {"1G", "server"},
		"max-message-size":  {"20M", "server"},
		"messages-per-hour": {"100", "server"},
	})
	wantSettings(t, "account show after settings --inherit", d.ok(t, "account", "show", "a@example.org"),
		map[string]setting{"max-message-size": {"20M", "server"}, "quota": {"7G", "domain"}})

	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad size", []string{"--quota", "lots"}, 64, `"lots" is not a size`},
		{"bad duration", []string{"--activity-timeout", "forever"}, 64, "not a duration"},
		{"unknown setting", []string{"--inherit", "colour"}, 64, "unknown setting"},
		{"unknown flag", []string{"--enabled=false"}, 64, "unknown flag"},
		{"an argument", []string{"quota=1G"}, 64, "unknown command"},
		{"set and inherit", []string{"--quota", "1G", "--inherit", "quota"}, 70, "both set and inherited"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d.refuse(t, c.code, c.want, append([]string{"settings", "set"}, c.args...)...)
		})
	}
	d.refuse(t, 64, "unknown command", "settings", "show", "quota")
}
