package directory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestPersistence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", FileName)
	d := openTest(t, Options{Path: path})
	mustDomain(t, d, "Bücher.example", Settings{QuotaBytes: ptr[int64](7), Services: ptr(ServiceIMAP)})
	mustDomain(t, d, "gone.example", Settings{})
	mustAccount(t, d, "Ann@bücher.example", Settings{IdleTimeout: ptr(time.Minute)})
	mustAccount(t, d, "bob@bücher.example", Settings{})
	mustAlias(t, d, "@bücher.example", "ann@bücher.example", "far@remote.example")
	if _, err := d.Import(ctx, []ImportRow{{Line: 1, Email: "imp@bücher.example", PasswordHash: "p", Aliases: []string{"i@bücher.example"}}}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveAccount(ctx, "bob@bücher.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RemoveDomain(ctx, "gone.example", false); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, d)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := d.AddDomain(ctx, "x.example", Settings{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("AddDomain after Close = %v", err)
	}
	if _, err := d.GetAccount("ann@bücher.example"); !errors.Is(err, ErrClosed) {
		t.Fatalf("GetAccount after Close = %v", err)
	}

	d2 := openTest(t, Options{Path: path})
	if after := snapshot(t, d2); after != before {
		t.Fatalf("after reopen:\n%s\nbefore:\n%s", after, before)
	}
	if e, err := d2.Effective("ANN@xn--bcher-kva.example"); err != nil || e.QuotaBytes != 7 || e.IdleTimeout != time.Minute || e.Services != ServiceIMAP {
		t.Fatalf("Effective after reopen = %+v, %v", e, err)
	}
	if r, err := d2.Resolve("other@bücher.example"); err != nil || !slices.Equal(r.Accounts, []string{"Ann@xn--bcher-kva.example"}) ||
		!slices.Equal(r.Remote, []string{"far@remote.example"}) {
		t.Fatalf("Resolve after reopen = %+v, %v", r, err)
	}
	if r, err := d2.Resolve("i@bücher.example"); err != nil || r.Accounts[0] != "imp@xn--bcher-kva.example" {
		t.Fatalf("Resolve(imported alias) after reopen = %+v, %v", r, err)
	}
	if got, _ := d2.AliasesOf("ann@bücher.example"); len(got) != 1 || got[0] != "@xn--bcher-kva.example" {
		t.Fatalf("AliasesOf after reopen = %q", got)
	}
	if dom, _ := d2.GetDomain("bücher.example"); dom.Accounts != 2 || dom.Aliases != 2 {
		t.Fatalf("counts after reopen: %+v", dom)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		setup func(path string)
		opts  Options
	}{
		{"no path", nil, Options{}},
		{"bad server settings", nil, Options{Server: Settings{QuotaBytes: ptr[int64](-1)}}},
		{"not a bbolt file", func(p string) { os.WriteFile(p, []byte("hello, this is not a database"), 0o600) }, Options{}},
		{"unknown format", func(p string) {
			corrupt(t, p, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyFormat, []byte{0, 0, 0, 0, 0, 0, 0, 9}) })
		}, Options{}},
		{"corrupt account", func(p string) {
			corrupt(t, p, func(tx *bolt.Tx) error { return tx.Bucket(bucketAccounts).Put([]byte("ex.org\x00a"), []byte{1, 200}) })
		}, Options{}},
		{"account without domain", func(p string) {
			r := accountRec{email: "a@nodomain.example"}
			corrupt(t, p, func(tx *bolt.Tx) error {
				return tx.Bucket(bucketAccounts).Put([]byte("nodomain.example\x00a"), r.encode())
			})
		}, Options{}},
		{"account under wrong key", func(p string) {
			r := accountRec{email: "b@ex.org"}
			corrupt(t, p, func(tx *bolt.Tx) error { return tx.Bucket(bucketAccounts).Put([]byte("ex.org\x00a"), r.encode()) })
		}, Options{}},
		{"corrupt alias", func(p string) {
			corrupt(t, p, func(tx *bolt.Tx) error {
				return tx.Bucket(bucketAliases).Put([]byte("ex.org\x00a"), []byte{1, 0, 0, 0})
			})
		}, Options{}},
		{"corrupt server settings", func(p string) {
			corrupt(t, p, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyServer, []byte{1, 0xff}) })
		}, Options{}},
		{"bad domain key", func(p string) {
			r := domainRec{}
			corrupt(t, p, func(tx *bolt.Tx) error { return tx.Bucket(bucketDomains).Put([]byte("EX.org"), r.encode()) })
		}, Options{}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if tt.setup != nil {
				opts.Path = filepath.Join(dir, string(rune('a'+i))+".db")
				tt.setup(opts.Path)
			} else if opts.Path == "" && tt.name != "no path" {
				opts.Path = filepath.Join(dir, "x.db")
			}
			opts.Timeout = 100 * time.Millisecond
			d, err := Open(opts)
			if err == nil {
				d.Close()
				t.Fatalf("Open succeeded")
			}
			t.Logf("Open: %v", err)
		})
	}
}

// corrupt creates a directory with the domain ex.org, then changes its
// file with fn.
func corrupt(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	d, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	mustDomain(t, d, "ex.org", Settings{})
	d.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	d := openTest(t, Options{Path: path})
	_ = d
	start := time.Now()
	if d2, err := Open(Options{Path: path, Timeout: 50 * time.Millisecond}); err == nil {
		d2.Close()
		t.Fatalf("second Open of a held file succeeded")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Open did not honour Timeout")
	}
}
