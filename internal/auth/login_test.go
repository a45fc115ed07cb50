package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// memAccounts is a real in-memory implementation of Accounts for the
// Login logic; the directory-backed one is tested through axd.
type memAccounts struct {
	hashes  map[string]string
	enabled map[string]bool
	sets    int
}

func (m *memAccounts) PasswordHash(addr string) (string, string, bool, error) {
	h, ok := m.hashes[strings.ToLower(addr)]
	if !ok {
		return "", "", false, errors.New("no such account")
	}
	return strings.ToLower(addr), h, m.enabled[strings.ToLower(addr)], nil
}

func (m *memAccounts) SetPasswordHash(_ context.Context, email, hash string) error {
	m.hashes[email] = hash
	m.sets++
	return nil
}

func TestLoginRehashes(t *testing.T) {
	ctx := context.Background()
	h, err := NewHasher(Options{Scheme: SchemeBcrypt, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	// An imported SHA512-CRYPT hash of "secret" (doveadm pw -s SHA512-CRYPT).
	const imported = "{SHA512-CRYPT}$6$4o25hpchX8bjMSh2$3dcPp02NprH75wZbjypocPnQ/ZrhIvquug6yKy.BmKJMUYP5y5g48kd8LDk1xofV6KJ.x0sN1pqGkiz6IPECJ1"
	accts := &memAccounts{hashes: map[string]string{"a@example.org": imported, "off@example.org": imported},
		enabled: map[string]bool{"a@example.org": true}}
	l := &Login{Hasher: h, Accounts: accts, Rehash: true}
	for _, tc := range []struct {
		name, addr, pw string
		ok             bool
	}{
		{"wrong password", "a@example.org", "nope", false},
		{"unknown account", "who@example.org", "secret", false},
		{"disabled account", "off@example.org", "secret", false},
		{"right password", "A@example.org", "secret", true},
	} {
		email, err := l.Check(ctx, tc.addr, []byte(tc.pw))
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrBadCredentials)) {
			t.Fatalf("%s: Check = %q, %v", tc.name, email, err)
		}
	}
	if accts.sets != 1 || !strings.HasPrefix(accts.hashes["a@example.org"], "{BLF-CRYPT}$2y$04$") {
		t.Fatalf("after login: %d rehashes, hash %q", accts.sets, accts.hashes["a@example.org"])
	}
	// The new hash verifies and needs no further rehash.
	if _, err := l.Check(ctx, "a@example.org", []byte("secret")); err != nil || accts.sets != 1 {
		t.Fatalf("second login: %v, %d rehashes", err, accts.sets)
	}
	l.Rehash = false
	accts.hashes["a@example.org"] = imported
	if _, err := l.Check(ctx, "a@example.org", []byte("secret")); err != nil || accts.hashes["a@example.org"] != imported {
		t.Fatalf("with rehash off the hash changed: %v", err)
	}
}
