package directory

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// openTest opens a directory in a temporary dir with a fixed clock.
func openTest(t testing.TB, opts Options) *Directory {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), FileName)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }
	}
	d, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func ptr[T any](v T) *T { return &v }

// mustDomain adds a domain or fails the test.
func mustDomain(t testing.TB, d *Directory, name string, s Settings) {
	t.Helper()
	if _, err := d.AddDomain(context.Background(), name, s); err != nil {
		t.Fatalf("AddDomain(%q): %v", name, err)
	}
}

// mustAccount adds an account or fails the test.
func mustAccount(t testing.TB, d *Directory, email string, s Settings) {
	t.Helper()
	if _, err := d.AddAccount(context.Background(), Account{Email: email, PasswordHash: "{X}h", Settings: s}); err != nil {
		t.Fatalf("AddAccount(%q): %v", email, err)
	}
}

// mustAlias adds an alias or fails the test.
func mustAlias(t testing.TB, d *Directory, addr string, targets ...string) {
	t.Helper()
	if _, err := d.AddAlias(context.Background(), addr, targets...); err != nil {
		t.Fatalf("AddAlias(%q, %q): %v", addr, targets, err)
	}
}
