package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/mailtest"
)

func TestDomainAddShowList(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})

	var dom directory.Domain
	d.decode(t, &dom, "domain", "add", "Example.ORG", "--quota", "1G", "--quota-messages", "1000",
		"--max-message-size", "25M", "--max-attachment-size", "10MiB", "--messages-per-hour", "200",
		"--idle-timeout", "15m", "--activity-timeout", "2h", "--services", "imap,pop3,submission")
	if dom.Name != "example.org" {
		t.Errorf("domain add: name %q, want example.org", dom.Name)
	}
	s := dom.Settings
	for _, c := range []struct {
		name string
		got  *int64
		want int64
	}{
		{"quota", s.QuotaBytes, 1 << 30},
		{"quota-messages", s.QuotaMessages, 1000},
		{"max-message-size", s.MaxMessageSize, 25 << 20},
		{"max-attachment-size", s.MaxAttachmentSize, 10 << 20},
		{"messages-per-hour", s.MessagesPerHour, 200},
		{"idle-timeout", (*int64)(s.IdleTimeout), int64(15 * time.Minute)},
		{"activity-timeout", (*int64)(s.ActivityTimeout), int64(2 * time.Hour)},
	} {
		if c.got == nil || *c.got != c.want {
			t.Errorf("domain add --%s: stored %v, want %d", c.name, c.got, c.want)
		}
	}
	if s.Services == nil || *s.Services != directory.ServiceIMAP|directory.ServicePOP3|directory.ServiceSubmission {
		t.Errorf("domain add --services: stored %v", s.Services)
	}
	if s.Enabled != nil {
		t.Errorf("domain add: enabled stored as %v, want inherited", *s.Enabled)
	}
	d.quiet(t, "domain", "add", "b.example")

	out := d.ok(t, "domain", "show", "EXAMPLE.org")
	if showField(out, "domain") != "example.org" || showField(out, "accounts") != "0" {
		t.Errorf("domain show:\n%s", out)
	}
	wantSettings(t, "domain show", out, map[string]setting{
		"quota":               {"1G", "domain"},
		"quota-messages":      {"1000", "domain"},
		"max-message-size":    {"25M", "domain"},
		"max-attachment-size": {"10M", "domain"},
		"messages-per-hour":   {"200", "domain"},
		"idle-timeout":        {"15m0s", "domain"},
		"activity-timeout":    {"2h0m0s", "domain"},
		"enabled":             {"true", "server"},
		"services":            {"submission,imap,pop3", "domain"},
	})
	// b.example sets nothing: the server's defaults, from the server.
	wantSettings(t, "domain show b.example", d.ok(t, "domain", "show", "b.example"), map[string]setting{
		"quota":            {"unlimited", "server"},
		"max-message-size": {"50M", "server"},
		"idle-timeout":     {"30m0s", "server"},
		"activity-timeout": {"none", "server"},
		"services":         {"smtp,submission,lmtp,imap,pop3", "server"},
	})
	var info control.DomainInfo
	d.decode(t, &info, "domain", "show", "example.org")
	if info.Domain.Name != "example.org" || info.Effective.QuotaBytes != 1<<30 || info.Origins["quota"] != "domain" ||
		info.Origins["enabled"] != "server" || len(info.Origins) != 9 {
		t.Errorf("domain show --json = %+v", info)
	}

	rows := tableRows(d.ok(t, "domain", "list"))
	want := [][]string{{"DOMAIN", "ACCOUNTS", "ALIASES", "CREATED"}, {"b.example", "0", "0"}, {"example.org", "0", "0"}}
	if len(rows) != len(want) {
		t.Fatalf("domain list = %q, want %d rows", rows, len(want))
	}
	for i, w := range want {
		if !slices.Equal(rows[i][:len(w)], w) {
			t.Errorf("domain list row %d = %q, want %q", i, rows[i], w)
		}
	}
	var list []directory.Domain
	d.decode(t, &list, "domain", "list")
	if len(list) != 2 || list[0].Name != "b.example" || list[1].Name != "example.org" {
		t.Errorf("domain list --json = %+v", list)
	}

	d.refuse(t, 70, "already exists", "domain", "add", "example.ORG")
	d.refuse(t, 70, "invalid", "domain", "add", "bad..example")
	d.refuse(t, 70, "does not exist", "domain", "show", "nowhere.example")
	d.refuse(t, 70, "does not exist", "domain", "set", "nowhere.example", "--quota", "1G")
}

// Each step changes example.org and shows the settings that follow; the
// steps build on each other.
func TestDomainSet(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	d.quiet(t, "domain", "add", "example.org", "--quota", "1G", "--services", "imap")
	d.quiet(t, "account", "add", "a@example.org")
	for _, step := range []struct {
		name string
		args []string
		want map[string]setting
	}{
		{"raise the quota", []string{"--quota", "2G", "--messages-per-hour", "50"},
			map[string]setting{"quota": {"2G", "domain"}, "messages-per-hour": {"50", "domain"}, "services": {"imap", "domain"}}},
		{"every limit at once", []string{"--quota-messages", "10", "--max-message-size", "1M", "--max-attachment-size", "512K",
			"--idle-timeout", "1m", "--activity-timeout", "1h", "--services", "smtp,lmtp"},
			map[string]setting{"quota-messages": {"10", "domain"}, "max-message-size": {"1M", "domain"},
				"max-attachment-size": {"512K", "domain"}, "idle-timeout": {"1m0s", "domain"},
				"activity-timeout": {"1h0m0s", "domain"}, "services": {"smtp,lmtp", "domain"}}},
		{"zero is unlimited, set here", []string{"--max-message-size", "0", "--services", "none"},
			map[string]setting{"max-message-size": {"unlimited", "domain"}, "services": {"none", "domain"}}},
		{"inherit again", []string{"--inherit", "quota,services", "--inherit", "max-message-size"},
			map[string]setting{"quota": {"unlimited", "server"}, "services": {"smtp,submission,lmtp,imap,pop3", "server"},
				"max-message-size": {"50M", "server"}, "quota-messages": {"10", "domain"}}},
		{"disable", []string{"--enabled=false"}, map[string]setting{"enabled": {"false", "domain"}}},
		{"enable", []string{"--enabled=true"}, map[string]setting{"enabled": {"true", "domain"}}},
		{"enabled inherits", []string{"--inherit", "enabled"}, map[string]setting{"enabled": {"true", "server"}}},
	} {
		t.Run(step.name, func(t *testing.T) {
			d.quiet(t, append([]string{"domain", "set", "example.org"}, step.args...)...)
			wantSettings(t, "domain show", d.ok(t, "domain", "show", "example.org"), step.want)
		})
	}

	// A disabled domain disables its accounts whatever they say.
	var dom directory.Domain
	d.decode(t, &dom, "domain", "set", "example.org", "--enabled=false")
	if dom.Settings.Enabled == nil || *dom.Settings.Enabled {
		t.Errorf("domain set --enabled=false --json: enabled %v", dom.Settings.Enabled)
	}
	d.quiet(t, "account", "enable", "a@example.org")
	wantSettings(t, "account show", d.ok(t, "account", "show", "a@example.org"),
		map[string]setting{"enabled": {"false", "domain"}})

	d.refuse(t, 70, "both set and inherited", "domain", "set", "example.org", "--quota", "1G", "--inherit", "quota")
}

func TestDomainRemove(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	d.quiet(t, "domain", "add", "example.org")
	d.quiet(t, "domain", "add", "empty.example")
	d.quiet(t, "domain", "add", "other.example")
	d.quiet(t, "account", "add", "a@example.org")
	d.quiet(t, "account", "add", "b@example.org")
	d.quiet(t, "account", "add", "c@other.example")
	d.quiet(t, "alias", "add", "info@example.org", "a@example.org", "c@other.example")
	d.quiet(t, "alias", "add", "@example.org", "b@example.org")
	d.quiet(t, "alias", "add", "in@other.example", "a@example.org")

	wantStatus := func(domains, accounts string) {
		t.Helper()
		out := d.ok(t, "status")
		if showField(out, "domains") != domains || showField(out, "accounts") != accounts || showField(out, "data dir") != d.DataDir {
			t.Errorf("status: want %s domains and %s accounts in %s:\n%s", domains, accounts, d.DataDir, out)
		}
	}
	wantStatus("3", "3")
	d.refuse(t, 70, "example.org has 2 accounts and 2 aliases", "domain", "remove", "example.org")
	d.ok(t, "domain", "show", "example.org") // still there
	d.quiet(t, "domain", "remove", "empty.example")
	d.refuse(t, 70, "does not exist", "domain", "show", "empty.example")

	var removed directory.Removed
	d.decode(t, &removed, "domain", "remove", "example.org", "--force")
	if !slices.Equal(removed.Accounts, []string{"a@example.org", "b@example.org"}) ||
		!slices.Equal(removed.Aliases, []string{"@example.org", "info@example.org"}) {
		t.Errorf("domain remove --force --json = %+v", removed)
	}
	d.refuse(t, 70, "does not exist", "domain", "show", "example.org")
	d.refuse(t, 70, "does not exist", "account", "show", "a@example.org")
	wantStatus("1", "1")
	if out := d.ok(t, "account", "list"); !strings.Contains(out, "c@other.example") || strings.Contains(out, "example.org") {
		t.Errorf("account list after domain remove --force:\n%s", out)
	}
	// Aliases elsewhere that point into the removed domain stay.
	if out := d.ok(t, "alias", "list"); strings.Contains(out, "info@example.org") || !strings.Contains(out, "in@other.example") {
		t.Errorf("alias list after domain remove --force:\n%s", out)
	}
	d.refuse(t, 70, "does not exist", "domain", "remove", "example.org", "--force")
	d.refuse(t, 70, "does not exist", "domain", "remove", "nowhere.example")

	// The name is free again, and empty.
	d.quiet(t, "domain", "add", "example.org")
	if out := d.ok(t, "account", "list", "--domain", "example.org"); strings.Count(out, "\n") != 1 {
		t.Errorf("account list --domain of a re-added domain:\n%s", out)
	}
	// Without a terminal, a forced removal succeeds in silence too.
	d.quiet(t, "domain", "remove", "other.example", "--force")
	d.refuse(t, 70, "does not exist", "account", "show", "c@other.example")
}
