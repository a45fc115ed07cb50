package directory

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestAliases(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	mustDomain(t, d, "example.org", Settings{})
	mustDomain(t, d, "other.example", Settings{})
	mustAccount(t, d, "bob@example.org", Settings{})

	a, err := d.AddAlias(ctx, "Sales@Example.org", "Bob@example.org", "Ext.User@remote.example", "bob@EXAMPLE.org")
	if err != nil || a.Address != "sales@example.org" || !slices.Equal(a.Targets, []string{"Bob@example.org", "Ext.User@remote.example"}) {
		t.Fatalf("AddAlias = %+v, %v", a, err)
	}
	// Adding again extends the alias, keeping existing targets once.
	a, err = d.AddAlias(ctx, "sales@example.org", "carol@example.org", "ext.user@remote.example")
	if err != nil || !slices.Equal(a.Targets, []string{"Bob@example.org", "Ext.User@remote.example", "carol@example.org"}) {
		t.Fatalf("AddAlias(extend) = %+v, %v", a, err)
	}
	if a2, err := d.AddAlias(ctx, "sales@example.org", "carol@example.org"); err != nil || !a2.Created.Equal(a.Created) || len(a2.Targets) != 3 {
		t.Fatalf("AddAlias(no-op) = %+v, %v", a2, err)
	}
	mustAlias(t, d, "@example.org", "bob@example.org")
	mustAlias(t, d, "info@other.example", "bob@example.org")

	tests := []struct {
		name    string
		addr    string
		targets []string
		want    error
	}{
		{"is an account", "BOB@example.org", []string{"x@remote.example"}, ErrExists},
		{"unknown domain", "a@nope.example", []string{"bob@example.org"}, ErrNoDomain},
		{"no targets", "a@example.org", nil, ErrInvalid},
		{"targets itself", "a@example.org", []string{"A@example.org"}, ErrInvalid},
		{"bad target", "a@example.org", []string{"not an address"}, ErrInvalid},
		{"catch-all target", "a@example.org", []string{"@example.org"}, ErrInvalid},
		{"bad address", "a b@example.org", []string{"bob@example.org"}, ErrInvalid},
		{"bad catch-all", "@bad_domain", []string{"bob@example.org"}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := d.AddAlias(ctx, tt.addr, tt.targets...); !errors.Is(err, tt.want) {
				t.Fatalf("AddAlias(%q, %q) = %v, want %v", tt.addr, tt.targets, err, tt.want)
			}
		})
	}

	for _, tt := range []struct {
		addr string
		want []string
	}{
		{"BOB@example.org", []string{"@example.org", "info@other.example", "sales@example.org"}},
		{"carol@example.org", []string{"sales@example.org"}},
		{"ext.user@remote.example", []string{"sales@example.org"}},
		{"nobody@example.org", nil},
	} {
		if got, err := d.AliasesOf(tt.addr); err != nil || !slices.Equal(got, tt.want) {
			t.Fatalf("AliasesOf(%q) = %q, %v, want %q", tt.addr, got, err, tt.want)
		}
	}

	list, err := d.ListAliases("example.org")
	if err != nil || len(list) != 2 || list[0].Address != "@example.org" || list[1].Address != "sales@example.org" {
		t.Fatalf("ListAliases = %+v, %v", list, err)
	}
	if all, _ := d.ListAliases(""); len(all) != 3 {
		t.Fatalf("ListAliases(all) = %d", len(all))
	}
	if g, err := d.GetAlias("@EXAMPLE.org"); err != nil || g.Targets[0] != "bob@example.org" {
		t.Fatalf("GetAlias(catch-all) = %+v, %v", g, err)
	}

	a, err = d.RemoveAliasTargets(ctx, "sales@example.org", "EXT.USER@remote.example")
	if err != nil || !slices.Equal(a.Targets, []string{"Bob@example.org", "carol@example.org"}) {
		t.Fatalf("RemoveAliasTargets = %+v, %v", a, err)
	}
	if _, err := d.RemoveAliasTargets(ctx, "sales@example.org", "nobody@example.org"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RemoveAliasTargets(absent) = %v", err)
	}
	a, err = d.RemoveAliasTargets(ctx, "sales@example.org", "bob@example.org", "carol@example.org")
	if err != nil || a.Address != "" {
		t.Fatalf("RemoveAliasTargets(last) = %+v, %v", a, err)
	}
	if _, err := d.GetAlias("sales@example.org"); !errors.Is(err, ErrNoAlias) {
		t.Fatalf("alias left after last target: %v", err)
	}
	if err := d.RemoveAlias(ctx, "@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveAlias(ctx, "@example.org"); !errors.Is(err, ErrNoAlias) {
		t.Fatalf("RemoveAlias twice = %v", err)
	}
	if got, _ := d.AliasesOf("bob@example.org"); !slices.Equal(got, []string{"info@other.example"}) {
		t.Fatalf("AliasesOf after removals = %q", got)
	}
	if dom, _ := d.GetDomain("example.org"); dom.Aliases != 0 {
		t.Fatalf("alias count %d", dom.Aliases)
	}
	// An address freed of its alias can become an account.
	mustAccount(t, d, "sales@example.org", Settings{})
}
