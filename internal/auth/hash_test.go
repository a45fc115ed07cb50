package auth

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func TestHash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    Options
		pattern string
	}{
		{"argon2id default", Options{},
			`^\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`},
		{"argon2id custom", Options{Argon2Time: 2, Argon2MemoryKiB: 1024, Argon2Threads: 2},
			`^\{ARGON2ID\}\$argon2id\$v=19\$m=1024,t=2,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`},
		{"bcrypt default", Options{Scheme: SchemeBcrypt},
			`^\{BLF-CRYPT\}\$2y\$10\$[./A-Za-z0-9]{53}$`},
		{"bcrypt cost 4", Options{Scheme: "bcrypt", BcryptCost: 4},
			`^\{BLF-CRYPT\}\$2y\$04\$[./A-Za-z0-9]{53}$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := NewHasher(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, pw := range []string{"secret", "pässwörd ✓ 2024", strings.Repeat("p", 72)} {
				stored, err := h.Hash([]byte(pw))
				if err != nil {
					t.Fatalf("Hash(%q): %v", pw, err)
				}
				if !regexp.MustCompile(tt.pattern).MatchString(stored) {
					t.Errorf("Hash(%q) = %q, want it to match %s", pw, stored, tt.pattern)
				}
				if again, _ := h.Hash([]byte(pw)); again == stored {
					t.Errorf("Hash(%q) twice gave %q: salt not random", pw, stored)
				}
				ok, rehash, err := h.Verify(stored, []byte(pw))
				if !ok || rehash || err != nil {
					t.Errorf("Verify(Hash(%q)) = %v, %v, %v, want true, false, nil", pw, ok, rehash, err)
				}
				if ok, _, _ := h.Verify(stored, []byte("x"+pw)); ok {
					t.Errorf("Verify(Hash(%q), %q) = true", pw, "x"+pw)
				}
			}
		})
	}
}

func TestHashRefuses(t *testing.T) {
	t.Parallel()
	argon, err := NewHasher(Options{Argon2MemoryKiB: 64, Limits: Limits{MaxPasswordBytes: 100}})
	if err != nil {
		t.Fatal(err)
	}
	bcrypt, err := NewHasher(Options{Scheme: SchemeBcrypt, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		h        *Hasher
		password string
		wantErr  error
	}{
		{"empty", argon, "", ErrEmptyPassword},
		{"over the limit", argon, strings.Repeat("x", 101), ErrPasswordTooLong},
		{"at the limit", argon, strings.Repeat("x", 100), nil},
		{"bcrypt 73 bytes", bcrypt, strings.Repeat("x", 73), ErrPasswordTooLong},
		{"bcrypt 72 bytes", bcrypt, strings.Repeat("x", 72), nil},
		{"bcrypt empty", bcrypt, "", ErrEmptyPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.h.Hash([]byte(tt.password))
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("Hash(%d bytes) = %v, want %v", len(tt.password), err, tt.wantErr)
			}
		})
	}
}

// TestHashDoveadm checks that Dovecot accepts what Hash writes, so that an
// export round-trips: `doveadm pw -t HASH -p PASSWORD` verifies a hash.
func TestHashDoveadm(t *testing.T) {
	t.Parallel()
	doveadm, err := exec.LookPath("doveadm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("doveadm not installed (Debian package dovecot-core)")
		}
		t.Skip("doveadm not installed (Debian package dovecot-core)")
	}
	for _, tt := range []struct {
		name string
		opts Options
	}{
		{"argon2id default", Options{}},
		{"argon2id m=4MiB,t=2,p=2", Options{Argon2Time: 2, Argon2MemoryKiB: 4096, Argon2Threads: 2}},
		{"bcrypt cost 5", Options{Scheme: SchemeBcrypt, BcryptCost: 5}},
	} {
		h, err := NewHasher(tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		for i, pw := range []string{"secret", "pässwörd ✓ 2024"} {
			stored, err := h.Hash([]byte(pw))
			if err != nil {
				t.Fatal(err)
			}
			t.Run(fmt.Sprintf("%s/password %d", tt.name, i), func(t *testing.T) {
				// -O: no config file, which a test machine may not have.
				out, err := exec.Command(doveadm, "-O", "pw", "-t", stored, "-p", pw).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "(verified)") {
					t.Errorf("doveadm pw -t %q -p %q: %v: %s", stored, pw, err, out)
				}
				out, err = exec.Command(doveadm, "-O", "pw", "-t", stored, "-p", pw+"x").CombinedOutput()
				if err == nil {
					t.Errorf("doveadm pw -t %q -p %q accepted a wrong password: %s", stored, pw+"x", out)
				}
			})
		}
	}
}

func BenchmarkHash(b *testing.B) {
	for _, bm := range []struct {
		name string
		opts Options
	}{
		{"ARGON2ID/default/m=64MiB,t=1,p=1", Options{}},
		{"ARGON2ID/dovecot/m=64MiB,t=3,p=1", Options{Argon2Time: 3}},
		{"ARGON2ID/rfc9106/m=64MiB,t=3,p=4", Options{Argon2Time: 3, Argon2Threads: 4}},
		{"ARGON2ID/owasp/m=19MiB,t=2,p=1", Options{Argon2MemoryKiB: 19 * 1024, Argon2Time: 2}},
		{"BLF-CRYPT/cost=5", Options{Scheme: SchemeBcrypt, BcryptCost: 5}},
		{"BLF-CRYPT/default/cost=10", Options{Scheme: SchemeBcrypt}},
		{"BLF-CRYPT/cost=12", Options{Scheme: SchemeBcrypt, BcryptCost: 12}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			h, err := NewHasher(bm.opts)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := h.Hash([]byte("secret")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
