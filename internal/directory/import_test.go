package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func outcomes(res []RowResult) string {
	var s []string
	for _, r := range res {
		s = append(s, r.Outcome.String())
	}
	return strings.Join(s, " ")
}

func TestImportModes(t *testing.T) {
	ctx := context.Background()
	rows := func() []ImportRow {
		return []ImportRow{
			{Line: 1, Email: "a@ex.org", PasswordHash: "h1", Quota: ptr[int64](100), DisplayName: "A"},
			{Line: 2, Email: "b@ex.org", PasswordHash: "h2", Aliases: []string{"bee@ex.org", "@ex.org"}},
		}
	}
	changed := func() []ImportRow {
		r := rows()
		r[0].Quota = ptr[int64](200)
		return r
	}
	tests := []struct {
		name  string
		setup []ImportRow // imported in upsert mode first
		rows  []ImportRow
		mode  ImportMode
		want  string
	}{
		{"create new", nil, rows(), ImportCreate, "created created"},
		{"create same again", rows(), rows(), ImportCreate, "unchanged unchanged"},
		{"create would change", rows(), changed(), ImportCreate, "rejected unchanged"},
		{"upsert new", nil, rows(), ImportUpsert, "created created"},
		{"upsert same again", rows(), rows(), ImportUpsert, "unchanged unchanged"},
		{"upsert changed", rows(), changed(), ImportUpsert, "updated unchanged"},
		{"update missing", nil, rows(), ImportUpdate, "rejected rejected"},
		{"update changed", rows(), changed(), ImportUpdate, "updated unchanged"},
		{"update unset fields keep values", rows(), []ImportRow{{Line: 1, Email: "A@EX.ORG"}}, ImportUpdate, "unchanged"},
		{"update new alias", rows(), []ImportRow{{Line: 1, Email: "a@ex.org", Aliases: []string{"ay@ex.org"}}}, ImportUpdate, "updated"},
		{"create existing with new alias", rows(), []ImportRow{{Line: 1, Email: "a@ex.org", Aliases: []string{"ay@ex.org"}}}, ImportCreate, "rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openTest(t, Options{})
			mustDomain(t, d, "ex.org", Settings{})
			if tt.setup != nil {
				if _, err := d.Import(ctx, tt.setup, ImportOptions{Mode: ImportUpsert}); err != nil {
					t.Fatal(err)
				}
			}
			res, err := d.Import(ctx, tt.rows, ImportOptions{Mode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			if got := outcomes(res); got != tt.want {
				t.Fatalf("Import(%s) = %s, want %s (%+v)", tt.mode, got, tt.want, res)
			}
		})
	}
}

func TestImportValues(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	mustDomain(t, d, "ex.org", Settings{})
	rows := []ImportRow{{Line: 7, Email: "Mixed.Case@EX.org", PasswordHash: "{BLF-CRYPT}x", Quota: ptr[int64](5 << 20),
		MaxMessageSize: ptr[int64](1 << 20), DisplayName: "Mixed", Enabled: ptr(false), Aliases: []string{"mc@ex.org"}}}
	res, err := d.Import(ctx, rows, ImportOptions{Mode: ImportCreate})
	if err != nil || res[0].Outcome != OutcomeCreated || res[0].Email != "Mixed.Case@ex.org" || res[0].Line != 7 {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	a, err := d.GetAccount("mixed.case@ex.org")
	if err != nil || a.PasswordHash != "{BLF-CRYPT}x" || a.DisplayName != "Mixed" || *a.Settings.QuotaBytes != 5<<20 ||
		*a.Settings.MaxMessageSize != 1<<20 || *a.Settings.Enabled {
		t.Fatalf("account = %+v, %v", a, err)
	}
	if r, err := d.Resolve("MC@ex.org"); err != nil || !slices.Equal(r.Accounts, []string{"Mixed.Case@ex.org"}) {
		t.Fatalf("Resolve(alias) = %+v, %v", r, err)
	}
}

func TestImportRejections(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		rows []ImportRow
		opts ImportOptions
		want string // outcomes
		err  error  // of the last row
	}{
		{"invalid address", []ImportRow{{Line: 1, Email: "not-an-address"}}, ImportOptions{}, "rejected", ErrInvalid},
		{"unknown domain", []ImportRow{{Line: 1, Email: "a@new.example"}}, ImportOptions{}, "rejected", ErrNoDomain},
		{"duplicate in batch", []ImportRow{{Line: 1, Email: "a@ex.org"}, {Line: 2, Email: "A@ex.org"}}, ImportOptions{}, "created rejected", ErrExists},
		{"duplicate in batch upsert", []ImportRow{{Line: 1, Email: "a@ex.org"}, {Line: 2, Email: "a@ex.org", PasswordHash: "x"}},
			ImportOptions{Mode: ImportUpsert}, "created rejected", ErrExists},
		{"address is an existing alias", []ImportRow{{Line: 1, Email: "alias@ex.org"}}, ImportOptions{}, "rejected", ErrExists},
		{"alias is an existing account", []ImportRow{{Line: 1, Email: "a@ex.org", Aliases: []string{"old@ex.org"}}}, ImportOptions{}, "rejected", ErrExists},
		{"alias points elsewhere", []ImportRow{{Line: 1, Email: "a@ex.org", Aliases: []string{"alias@ex.org"}}}, ImportOptions{}, "rejected", ErrExists},
		{"alias taken earlier in batch", []ImportRow{{Line: 1, Email: "a@ex.org", Aliases: []string{"x@ex.org"}}, {Line: 2, Email: "b@ex.org", Aliases: []string{"x@ex.org"}}},
			ImportOptions{}, "created rejected", ErrExists},
		{"address aliased earlier in batch", []ImportRow{{Line: 1, Email: "a@ex.org", Aliases: []string{"b@ex.org"}}, {Line: 2, Email: "b@ex.org"}},
			ImportOptions{}, "created rejected", ErrExists},
		{"alias is itself", []ImportRow{{Line: 1, Email: "a@ex.org", Aliases: []string{"A@ex.org"}}}, ImportOptions{}, "rejected", ErrInvalid},
		{"alias invalid", []ImportRow{{Line: 1, Email: "a@ex.org", Aliases: []string{"a b@ex.org"}}}, ImportOptions{}, "rejected", ErrInvalid},
		{"alias unknown domain", []ImportRow{{Line: 1, Email: "a@ex.org", Aliases: []string{"a@new.example"}}}, ImportOptions{}, "rejected", ErrNoDomain},
		{"negative quota", []ImportRow{{Line: 1, Email: "a@ex.org", Quota: ptr[int64](-1)}}, ImportOptions{}, "rejected", ErrInvalid},
		{"bad hash", []ImportRow{{Line: 1, Email: "a@ex.org", PasswordHash: "a\nb"}}, ImportOptions{}, "rejected", ErrInvalid},
		{"update missing", []ImportRow{{Line: 1, Email: "zz@ex.org"}}, ImportOptions{Mode: ImportUpdate}, "rejected", ErrNoAccount},
		{"create domains", []ImportRow{{Line: 1, Email: "a@new.example", Aliases: []string{"b@new2.example"}}, {Line: 2, Email: "c@new.example"}},
			ImportOptions{CreateDomains: true}, "created created", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openTest(t, Options{})
			mustDomain(t, d, "ex.org", Settings{})
			mustAccount(t, d, "old@ex.org", Settings{})
			mustAlias(t, d, "alias@ex.org", "old@ex.org")
			res, err := d.Import(ctx, tt.rows, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := outcomes(res); got != tt.want {
				t.Fatalf("outcomes = %s, want %s (%+v)", got, tt.want, res)
			}
			last := res[len(res)-1]
			if tt.err != nil && (!errors.Is(last.Err, tt.err) || last.Reason == "") {
				t.Fatalf("last row: %+v, want %v", last, tt.err)
			}
			// A rejected row leaves nothing behind: the state is what the
			// accepted rows alone make.
			var accepted []ImportRow
			for i, r := range res {
				if r.Outcome != OutcomeRejected {
					accepted = append(accepted, tt.rows[i])
				}
			}
			d2 := openTest(t, Options{})
			mustDomain(t, d2, "ex.org", Settings{})
			mustAccount(t, d2, "old@ex.org", Settings{})
			mustAlias(t, d2, "alias@ex.org", "old@ex.org")
			if _, err := d2.Import(ctx, accepted, tt.opts); err != nil {
				t.Fatal(err)
			}
			if got, want := snapshot(t, d), snapshot(t, d2); got != want {
				t.Fatalf("state after batch:\n%s\nafter its accepted rows alone:\n%s", got, want)
			}
		})
	}
}

func TestImportCreateDomains(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	rows := []ImportRow{
		{Line: 1, Email: "a@new.example", Aliases: []string{"x@other.example"}},
		{Line: 2, Email: "b@new.example"},
		{Line: 3, Email: "c@third.example", Quota: ptr[int64](-1)}, // rejected: its domain is not created
	}
	res, err := d.Import(ctx, rows, ImportOptions{CreateDomains: true})
	if err != nil || outcomes(res) != "created created rejected" {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	if !slices.Equal(res[0].Domains, []string{"new.example", "other.example"}) || res[1].Domains != nil {
		t.Fatalf("domains = %q, %q", res[0].Domains, res[1].Domains)
	}
	if d.HasDomain("third.example") || !d.HasDomain("other.example") {
		t.Fatalf("domains created wrongly")
	}
	if dom, _ := d.GetDomain("new.example"); dom.Accounts != 2 {
		t.Fatalf("new.example has %d accounts", dom.Accounts)
	}
}

func TestImportDryRun(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	mustDomain(t, d, "ex.org", Settings{})
	mustAccount(t, d, "old@ex.org", Settings{})
	rows := []ImportRow{
		{Line: 1, Email: "a@ex.org", Aliases: []string{"al@ex.org"}},
		{Line: 2, Email: "a@ex.org"},
		{Line: 3, Email: "old@ex.org", DisplayName: "Old"},
		{Line: 4, Email: "n@new.example"},
		{Line: 5, Email: "b@ex.org", Aliases: []string{"al@ex.org"}},
	}
	opts := ImportOptions{Mode: ImportUpsert, CreateDomains: true, DryRun: true}
	dry, err := d.Import(ctx, rows, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(dry); got != "created rejected updated created rejected" {
		t.Fatalf("dry run = %s", got)
	}
	if c := Count(dry); c != (ImportCounts{Created: 2, Updated: 1, Rejected: 2}) {
		t.Fatalf("Count = %+v", c)
	}
	if nd, na, nal := d.Counts(); nd != 1 || na != 1 || nal != 0 || d.HasDomain("new.example") {
		t.Fatalf("dry run wrote: %d %d %d", nd, na, nal)
	}
	if a, _ := d.GetAccount("old@ex.org"); a.DisplayName != "" {
		t.Fatalf("dry run changed old@: %+v", a)
	}
	opts.DryRun = false
	real, err := d.Import(ctx, rows, opts)
	if err != nil || outcomes(real) != outcomes(dry) {
		t.Fatalf("real run = %s, %v; dry run said %s", outcomes(real), err, outcomes(dry))
	}
	again, err := d.Import(ctx, rows, opts)
	if err != nil || outcomes(again) != "unchanged rejected unchanged unchanged rejected" {
		t.Fatalf("second run = %s, %v", outcomes(again), err)
	}
}

func TestImportBatchErrors(t *testing.T) {
	d := openTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Import(ctx, []ImportRow{{Email: "a@b.example"}}, ImportOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Import(cancelled) = %v", err)
	}
	if _, err := d.Import(context.Background(), nil, ImportOptions{Mode: 9}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Import(bad mode) = %v", err)
	}
	if res, err := d.Import(context.Background(), nil, ImportOptions{}); err != nil || len(res) != 0 {
		t.Fatalf("Import(nothing) = %v, %v", res, err)
	}
	for _, m := range []string{"create", "upsert", "update"} {
		if got, err := ParseImportMode(m); err != nil || got.String() != m {
			t.Fatalf("ParseImportMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseImportMode("merge"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ParseImportMode(merge) = %v", err)
	}
}

// snapshot describes a directory's content, without times.
func snapshot(t *testing.T, d *Directory) string {
	t.Helper()
	var b strings.Builder
	for _, dom := range d.ListDomains() {
		fmt.Fprintf(&b, "domain %s %d %d\n", dom.Name, dom.Accounts, dom.Aliases)
	}
	accts, err := d.ListAccounts("", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		v, _ := a.Settings.toVals()
		fmt.Fprintf(&b, "account %s %q %s %+v\n", a.Email, a.DisplayName, string(a.PasswordHash), v)
	}
	aliases, err := d.ListAliases("")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range aliases {
		fmt.Fprintf(&b, "alias %s %q\n", a.Address, a.Targets)
	}
	return b.String()
}
