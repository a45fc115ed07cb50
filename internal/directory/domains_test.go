package directory

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestDomains(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	dom, err := d.AddDomain(ctx, "Example.ORG.", Settings{QuotaBytes: ptr[int64](100)})
	if err != nil || dom.Name != "example.org" || *dom.Settings.QuotaBytes != 100 || dom.Created.IsZero() {
		t.Fatalf("AddDomain = %+v, %v", dom, err)
	}
	mustDomain(t, d, "bücher.example", Settings{})

	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"add again", func() error { _, err := d.AddDomain(ctx, "EXAMPLE.org", Settings{}); return err }, ErrExists},
		{"add invalid", func() error { _, err := d.AddDomain(ctx, "bad_name", Settings{}); return err }, ErrInvalid},
		{"add bad settings", func() error {
			_, err := d.AddDomain(ctx, "x.example", Settings{QuotaBytes: ptr[int64](-5)})
			return err
		}, ErrInvalid},
		{"get missing", func() error { _, err := d.GetDomain("nope.example"); return err }, ErrNoDomain},
		{"set missing", func() error { _, err := d.SetDomain(ctx, "nope.example", SettingsPatch{}); return err }, ErrNoDomain},
		{"remove missing", func() error { _, err := d.RemoveDomain(ctx, "nope.example", false); return err }, ErrNotFound},
		{"set both", func() error {
			_, err := d.SetDomain(ctx, "example.org", SettingsPatch{Set: Settings{QuotaBytes: ptr[int64](1)}, Inherit: FieldQuota})
			return err
		}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op(); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if !IsPermanent(tt.want) {
				t.Fatalf("IsPermanent(%v) = false", tt.want)
			}
		})
	}

	if !d.HasDomain("BÜCHER.example") || !d.HasDomain("xn--bcher-kva.example") || d.HasDomain("other.example") {
		t.Fatalf("HasDomain is wrong")
	}
	got, err := d.GetDomain("xn--bcher-kva.example")
	if err != nil || got.Name != "xn--bcher-kva.example" {
		t.Fatalf("GetDomain = %+v, %v", got, err)
	}
	names := []string{}
	for _, x := range d.ListDomains() {
		names = append(names, x.Name)
	}
	if !slices.Equal(names, []string{"example.org", "xn--bcher-kva.example"}) {
		t.Fatalf("ListDomains = %q", names)
	}

	dom, err = d.SetDomain(ctx, "example.org", SettingsPatch{Set: Settings{Enabled: ptr(false)}, Inherit: FieldQuota})
	if err != nil || dom.Settings.QuotaBytes != nil || *dom.Settings.Enabled {
		t.Fatalf("SetDomain = %+v, %v", dom, err)
	}
}

func TestRemoveDomain(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	mustDomain(t, d, "a.example", Settings{})
	mustDomain(t, d, "b.example", Settings{})
	mustDomain(t, d, "empty.example", Settings{})
	mustAccount(t, d, "Bob@a.example", Settings{})
	mustAccount(t, d, "carol@a.example", Settings{})
	mustAccount(t, d, "dan@b.example", Settings{})
	mustAlias(t, d, "sales@a.example", "bob@a.example")
	mustAlias(t, d, "@a.example", "carol@a.example")
	mustAlias(t, d, "x@b.example", "bob@a.example", "dan@b.example")

	if dom, _ := d.GetDomain("a.example"); dom.Accounts != 2 || dom.Aliases != 2 {
		t.Fatalf("counts = %d accounts, %d aliases", dom.Accounts, dom.Aliases)
	}
	if _, err := d.RemoveDomain(ctx, "a.example", false); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("RemoveDomain(not empty) = %v, want ErrNotEmpty", err)
	}
	if r, err := d.RemoveDomain(ctx, "empty.example", false); err != nil || len(r.Accounts)+len(r.Aliases) != 0 {
		t.Fatalf("RemoveDomain(empty) = %+v, %v", r, err)
	}
	r, err := d.RemoveDomain(ctx, "a.example", true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Accounts, []string{"Bob@a.example", "carol@a.example"}) || !slices.Equal(r.Aliases, []string{"@a.example", "sales@a.example"}) {
		t.Fatalf("RemoveDomain(force) = %+v", r)
	}
	if d.HasDomain("a.example") || d.HasAccount("bob@a.example") {
		t.Fatalf("domain or account still there")
	}
	if nd, na, nal := d.Counts(); nd != 1 || na != 1 || nal != 1 {
		t.Fatalf("Counts = %d, %d, %d", nd, na, nal)
	}
	// The alias in b.example keeps its target into a.example, which is now remote.
	res, err := d.Resolve("x@b.example")
	if err != nil || !slices.Equal(res.Accounts, []string{"dan@b.example"}) || !slices.Equal(res.Remote, []string{"bob@a.example"}) {
		t.Fatalf("Resolve after removal = %+v, %v", res, err)
	}
	// Re-adding the domain starts empty.
	mustDomain(t, d, "a.example", Settings{})
	if dom, _ := d.GetDomain("a.example"); dom.Accounts != 0 || dom.Aliases != 0 {
		t.Fatalf("re-added domain: %+v", dom)
	}
}
