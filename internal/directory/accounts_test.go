package directory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	d := openTest(t, Options{Now: func() time.Time { return clock }})
	mustDomain(t, d, "example.org", Settings{})
	mustAlias(t, d, "sales@example.org", "x@remote.example")

	a, err := d.AddAccount(ctx, Account{Email: "Bob.Smith@EXAMPLE.org", DisplayName: "Bob Smith", PasswordHash: "{ARGON2ID}$argon2id$v=19$x",
		Settings: Settings{QuotaBytes: ptr[int64](1 << 20)}})
	if err != nil || a.Email != "Bob.Smith@example.org" || !a.Created.Equal(clock) {
		t.Fatalf("AddAccount = %+v, %v", a, err)
	}

	tests := []struct {
		name string
		acct Account
		want error
	}{
		{"exists other case", Account{Email: "bob.smith@example.org"}, ErrExists},
		{"is an alias", Account{Email: "Sales@example.org"}, ErrExists},
		{"unknown domain", Account{Email: "a@nope.example"}, ErrNoDomain},
		{"invalid address", Account{Email: "a b@example.org"}, ErrInvalid},
		{"control in name", Account{Email: "c@example.org", DisplayName: "a\nb"}, ErrInvalid},
		{"space in hash", Account{Email: "c@example.org", PasswordHash: "a b"}, ErrInvalid},
		{"negative quota", Account{Email: "c@example.org", Settings: Settings{QuotaMessages: ptr[int64](-1)}}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := d.AddAccount(ctx, tt.acct); !errors.Is(err, tt.want) {
				t.Fatalf("AddAccount(%+v) = %v, want %v", tt.acct, err, tt.want)
			}
		})
	}

	got, err := d.GetAccount("BOB.SMITH@example.org")
	if err != nil || got.Email != "Bob.Smith@example.org" || got.PasswordHash != "{ARGON2ID}$argon2id$v=19$x" || got.DisplayName != "Bob Smith" {
		t.Fatalf("GetAccount = %+v, %v", got, err)
	}
	if _, err := d.GetAccount("nobody@example.org"); !errors.Is(err, ErrNoAccount) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetAccount(nobody) = %v", err)
	}
	if !d.HasAccount("bob.smith@Example.Org") || d.HasAccount("bob.smith+x@example.org") {
		t.Fatalf("HasAccount is wrong")
	}

	clock = clock.Add(time.Hour)
	a, err = d.SetAccount(ctx, "bob.smith@example.org", AccountPatch{DisplayName: ptr("Robert"),
		Settings: SettingsPatch{Set: Settings{MaxMessageSize: ptr[int64](10)}, Inherit: FieldQuota}})
	if err != nil || a.DisplayName != "Robert" || a.Settings.QuotaBytes != nil || *a.Settings.MaxMessageSize != 10 ||
		!a.Updated.Equal(clock) || a.Created.Equal(clock) {
		t.Fatalf("SetAccount = %+v, %v", a, err)
	}
	if err := d.SetPassword(ctx, "bob.smith@example.org", "new"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetEnabled(ctx, "bob.smith@example.org", false); err != nil {
		t.Fatal(err)
	}
	got, _ = d.GetAccount("bob.smith@example.org")
	if got.PasswordHash != "new" || *got.Settings.Enabled || *got.Settings.MaxMessageSize != 10 {
		t.Fatalf("after SetPassword, SetEnabled: %+v", got)
	}
	if e, _ := d.Effective("bob.smith@example.org"); e.Enabled || e.MaxMessageSize != 10 {
		t.Fatalf("Effective = %+v", e)
	}
	if _, err := d.SetAccount(ctx, "nobody@example.org", AccountPatch{}); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("SetAccount(nobody) = %v", err)
	}
	if _, err := d.SetAccount(ctx, "bob.smith@example.org", AccountPatch{DisplayName: ptr("\x00")}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("SetAccount(bad name) = %v", err)
	}
	if err := d.RemoveAccount(ctx, "BOB.smith@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveAccount(ctx, "bob.smith@example.org"); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("RemoveAccount twice = %v", err)
	}
	if dom, _ := d.GetDomain("example.org"); dom.Accounts != 0 {
		t.Fatalf("domain still counts %d accounts", dom.Accounts)
	}
}

func TestListAccounts(t *testing.T) {
	d := openTest(t, Options{})
	for _, dom := range []string{"a.example", "a.example.org", "b.example"} {
		mustDomain(t, d, dom, Settings{})
	}
	var want []string
	for i := range 25 {
		e := fmt.Sprintf("u%02d@a.example", i)
		mustAccount(t, d, e, Settings{})
		want = append(want, e)
	}
	mustAccount(t, d, "z@a.example.org", Settings{})
	mustAccount(t, d, "y@b.example", Settings{})

	// Paging through a domain.
	var got []string
	after := ""
	for {
		page, err := d.ListAccounts("a.example", after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 10 {
			t.Fatalf("page of %d", len(page))
		}
		for _, a := range page {
			got = append(got, a.Email)
		}
		after = page[len(page)-1].Email
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("paged = %q", got)
	}

	all, err := d.ListAccounts("", "", 0)
	if err != nil || len(all) != 27 || all[25].Email != "z@a.example.org" || all[26].Email != "y@b.example" {
		t.Fatalf("ListAccounts(all) = %d, %v", len(all), err)
	}
	n := 0
	stop := errors.New("stop")
	err = d.EachAccount("b.example", func(a Account) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("EachAccount = %d, %v", n, err)
	}
	if _, err := d.ListAccounts("bad_domain", "", 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ListAccounts(bad) = %v", err)
	}
}

func TestPasswordHashRedacted(t *testing.T) {
	h := PasswordHash("$2y$10$secretsecret")
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("login", "hash", h, "account", Account{Email: "a@b", PasswordHash: h})
	out := buf.String() + fmt.Sprintf("%v %+v %#v %s", h, Account{PasswordHash: h}, Account{PasswordHash: h}, h)
	if strings.Contains(out, "secret") {
		t.Fatalf("hash leaked: %s", out)
	}
	if string(h) != "$2y$10$secretsecret" {
		t.Fatalf("conversion lost the hash")
	}
}
