package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/mailtest"
)

func TestAlias(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	d.quiet(t, "domain", "add", "example.org")
	d.quiet(t, "domain", "add", "other.example")
	d.quiet(t, "account", "add", "a@example.org")
	d.quiet(t, "account", "add", "b@example.org")

	var none []directory.Alias
	d.decode(t, &none, "alias", "list")
	if none == nil || len(none) != 0 {
		t.Errorf("alias list --json without aliases = %v, want []", none)
	}

	for _, c := range []struct {
		name string
		args []string
		code int
		want string // the alias's targets after, or a part of stderr
	}{
		{"several targets", []string{"Info@Example.org", "a@example.org", "B@example.org"}, 0, "a@example.org B@example.org"},
		{"more targets", []string{"info@example.org", "ext@remote.example", "a@EXAMPLE.org"}, 0, "a@example.org B@example.org ext@remote.example"},
		{"catch-all", []string{"@example.org", "a@example.org"}, 0, "a@example.org"},
		{"catch-all of another domain", []string{"@OTHER.example", "b@example.org"}, 0, "b@example.org"},
		{"to another domain", []string{"sales@other.example", "b@example.org"}, 0, "b@example.org"},
		{"alias of an alias", []string{"help@other.example", "info@example.org"}, 0, "info@example.org"},
		{"no such domain", []string{"x@nowhere.example", "a@example.org"}, 70, "domain does not exist"},
		{"an account's address", []string{"a@example.org", "b@example.org"}, 70, "is an account"},
		{"targets itself", []string{"self@example.org", "self@example.org"}, 70, "targets itself"},
		{"bad target", []string{"y@example.org", "not an address"}, 70, "target"},
		{"bad alias", []string{"@@example.org", "a@example.org"}, 70, "invalid"},
		{"no target", []string{"y@example.org"}, 64, "requires at least 2 arg"},
		{"nothing", nil, 64, "requires at least 2 arg"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"alias", "add"}, c.args...)
			if c.code != 0 {
				d.refuse(t, c.code, c.want, args...)
				return
			}
			var a directory.Alias
			d.decode(t, &a, args...)
			if a.Address != strings.ToLower(c.args[0]) || strings.Join(a.Targets, " ") != c.want {
				t.Errorf("alias add %v --json = %+v, want targets %s", c.args, a, c.want)
			}
		})
	}
	d.quiet(t, "alias", "add", "info@example.org", "ext@remote.example") // already there: no change, no error

	want := [][]string{
		{"ALIAS", "TARGETS"},
		{"@example.org", "a@example.org"},
		{"info@example.org", "a@example.org,", "B@example.org,", "ext@remote.example"},
		{"@other.example", "b@example.org"},
		{"help@other.example", "info@example.org"},
		{"sales@other.example", "b@example.org"},
	}
	if rows := tableRows(d.ok(t, "alias", "list")); !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("alias list = %q, want %q", rows, want)
	}
	for _, c := range []struct {
		domain string
		want   []string
	}{
		{"example.org", []string{"@example.org", "info@example.org"}},
		{"Other.Example", []string{"@other.example", "help@other.example", "sales@other.example"}},
		{"nowhere.example", []string{}},
	} {
		var list []directory.Alias
		d.decode(t, &list, "alias", "list", "--domain", c.domain)
		got := []string{}
		for _, a := range list {
			got = append(got, a.Address)
		}
		if list == nil || !slices.Equal(got, c.want) {
			t.Errorf("alias list --domain %s --json = %q (nil %v), want %q", c.domain, got, list == nil, c.want)
		}
	}
	if rows := tableRows(d.ok(t, "alias", "list", "--domain", "other.example")); len(rows) != 4 {
		t.Errorf("alias list --domain other.example = %q", rows)
	}

	// account show lists the aliases that name the account, catch-all too.
	var info control.AccountInfo
	d.decode(t, &info, "account", "show", "a@example.org")
	if !slices.Equal(info.Aliases, []string{"@example.org", "info@example.org"}) {
		t.Errorf("account show --json: aliases %q", info.Aliases)
	}
	if got := showField(d.ok(t, "account", "show", "b@example.org"), "aliases"); got != "@other.example, info@example.org, sales@other.example" {
		t.Errorf("account show: aliases %q", got)
	}

	d.quiet(t, "alias", "remove", "INFO@example.org")
	d.quiet(t, "alias", "remove", "@example.org")
	d.refuse(t, 70, "alias does not exist", "alias", "remove", "info@example.org")
	d.refuse(t, 70, "alias does not exist", "alias", "remove", "@nowhere.example")
	d.refuse(t, 64, "accepts 1 arg", "alias", "remove")
	var left []directory.Alias
	d.decode(t, &left, "alias", "list", "--domain", "example.org")
	if left == nil || len(left) != 0 {
		t.Errorf("alias list --domain example.org after removing both = %+v, want []", left)
	}
	d.decode(t, &info, "account", "show", "a@example.org")
	if len(info.Aliases) != 0 {
		t.Errorf("account show after alias remove: aliases %q", info.Aliases)
	}
	// An alias's address may become an account once the alias is gone.
	d.quiet(t, "account", "add", "info@example.org")
	rows := tableRows(d.ok(t, "domain", "list"))
	if len(rows) != 3 || !slices.Equal(rows[1][:3], []string{"example.org", "3", "0"}) || !slices.Equal(rows[2][:3], []string{"other.example", "0", "3"}) {
		t.Errorf("domain list counts = %q", rows)
	}
}
