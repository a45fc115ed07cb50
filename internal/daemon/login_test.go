package daemon

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/directory"
)

// A login with an imported hash rehashes it into the configured scheme in
// the real directory, and the account logs in with the new hash after.
func TestLoginRehashesInDirectory(t *testing.T) {
	ctx := context.Background()
	dir, err := directory.Open(directory.Options{Path: filepath.Join(t.TempDir(), directory.FileName)})
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	if _, err := dir.AddDomain(ctx, "example.org", directory.Settings{}); err != nil {
		t.Fatal(err)
	}
	// doveadm pw -s SHA512-CRYPT -p secret
	const imported = "{SHA512-CRYPT}$6$4o25hpchX8bjMSh2$3dcPp02NprH75wZbjypocPnQ/ZrhIvquug6yKy.BmKJMUYP5y5g48kd8LDk1xofV6KJ.x0sN1pqGkiz6IPECJ1"
	if _, err := dir.AddAccount(ctx, directory.Account{Email: "Bob@example.org", PasswordHash: imported}); err != nil {
		t.Fatal(err)
	}
	h, err := auth.NewHasher(hasherOptions(config.Auth{Scheme: "argon2id", Argon2Time: 1, Argon2MemoryKiB: 1024, Argon2Threads: 1}))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := New(&config.Config{Log: config.Log{Level: "info", Format: "text"}}, Options{})
	l := newLogin(h, dir, true, d)
	email, err := l.Check(ctx, "bob@EXAMPLE.org", []byte("secret"))
	if err != nil || email != "Bob@example.org" {
		t.Fatalf("Check = %q, %v", email, err)
	}
	a, _ := dir.GetAccount("bob@example.org")
	if !strings.HasPrefix(string(a.PasswordHash), "{ARGON2ID}") {
		t.Fatal("hash not rehashed to ARGON2ID")
	}
	if _, err := l.Check(ctx, "bob@example.org", []byte("secret")); err != nil {
		t.Fatalf("login with the new hash: %v", err)
	}
	if _, err := dir.SetAccount(ctx, "bob@example.org", directory.AccountPatch{Settings: directory.SettingsPatch{Set: directory.Settings{Enabled: new(bool)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Check(ctx, "bob@example.org", []byte("secret")); err == nil {
		t.Fatal("a disabled account logged in")
	}
}
