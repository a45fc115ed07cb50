package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestNewHasher(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    Options
		scheme  Scheme
		wantErr []string // substrings of the error, nil for none
	}{
		{"zero value", Options{}, SchemeArgon2ID, nil},
		{"argon2id lower case", Options{Scheme: "argon2id"}, SchemeArgon2ID, nil},
		{"bcrypt alias", Options{Scheme: "bcrypt"}, SchemeBcrypt, nil},
		{"blf-crypt", Options{Scheme: SchemeBcrypt, BcryptCost: 12}, SchemeBcrypt, nil},
		{"bcrypt cost 31 raises the default limit", Options{Scheme: SchemeBcrypt, BcryptCost: 31}, SchemeBcrypt, nil},
		{"argon2 1 GiB raises the default limit", Options{Argon2MemoryKiB: 1 << 20}, SchemeArgon2ID, nil},
		{"verify-only scheme", Options{Scheme: SchemeSHA512Crypt}, "", []string{`scheme "SHA512-CRYPT"`}},
		{"unknown scheme", Options{Scheme: "scrypt"}, "", []string{`scheme "scrypt"`}},
		{"argon2 memory below 8 KiB per thread", Options{Argon2MemoryKiB: 31, Argon2Threads: 4}, "", []string{"below 8 KiB per thread"}},
		{"bcrypt cost 3", Options{Scheme: SchemeBcrypt, BcryptCost: 3}, "", []string{"bcrypt cost 3 is outside 4..31"}},
		{"bcrypt cost 32", Options{Scheme: SchemeBcrypt, BcryptCost: 32}, "", []string{"bcrypt cost 32"}},
		{"bcrypt cost ignored under argon2id", Options{BcryptCost: 99}, SchemeArgon2ID, nil},
		{"argon2 memory ignored under bcrypt", Options{Scheme: SchemeBcrypt, Argon2MemoryKiB: 1}, SchemeBcrypt, nil},
		{"negative password limit", Options{Limits: Limits{MaxPasswordBytes: -1}}, "", []string{"max password bytes"}},
		{"bcrypt limit 32", Options{Limits: Limits{MaxBcryptCost: 32}}, "", []string{"max bcrypt cost 32"}},
		{"rounds limit above the spec", Options{Limits: Limits{MaxSHACryptRounds: 1_000_000_000}}, "", []string{"max SHA-crypt rounds"}},
		{"explicit limit below configured", Options{Argon2Time: 3, Limits: Limits{MaxArgon2Time: 2}}, "", []string{"argon2 time limit 2 is below the configured 3"}},
		{"every problem at once", Options{Argon2MemoryKiB: 4, Limits: Limits{MaxPasswordBytes: -1, MaxSHACryptRounds: -1}},
			"", []string{"argon2 memory 4 KiB", "max password bytes -1", "max SHA-crypt rounds -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := NewHasher(tt.opts)
			if tt.wantErr == nil {
				if err != nil || h.Scheme() != tt.scheme {
					t.Fatalf("NewHasher(%+v) = %v, want scheme %s", tt.opts, err, tt.scheme)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewHasher(%+v) = nil error, want %q", tt.opts, tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("NewHasher(%+v) = %q, want it to contain %q", tt.opts, err, want)
				}
			}
		})
	}
}

func TestHasherLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want Limits
	}{
		{"defaults", Options{}, Limits{
			MaxPasswordBytes: 1024, MaxArgon2MemoryKiB: 256 * 1024, MaxArgon2Time: 10,
			MaxArgon2Threads: 16, MaxBcryptCost: 15, MaxSHACryptRounds: 1_000_000}},
		{"argon2 defaults raised to the configured cost", Options{Argon2MemoryKiB: 1 << 20, Argon2Time: 20, Argon2Threads: 32, BcryptCost: 16}, Limits{
			MaxPasswordBytes: 1024, MaxArgon2MemoryKiB: 1 << 20, MaxArgon2Time: 20,
			MaxArgon2Threads: 32, MaxBcryptCost: 15, MaxSHACryptRounds: 1_000_000}},
		{"bcrypt default raised to the configured cost", Options{Scheme: SchemeBcrypt, Argon2MemoryKiB: 1 << 20, BcryptCost: 16}, Limits{
			MaxPasswordBytes: 1024, MaxArgon2MemoryKiB: 256 * 1024, MaxArgon2Time: 10,
			MaxArgon2Threads: 16, MaxBcryptCost: 16, MaxSHACryptRounds: 1_000_000}},
		{"explicit", Options{Limits: Limits{MaxPasswordBytes: 64, MaxArgon2MemoryKiB: 65536, MaxArgon2Time: 1,
			MaxArgon2Threads: 1, MaxBcryptCost: 10, MaxSHACryptRounds: 999_999_999}}, Limits{
			MaxPasswordBytes: 64, MaxArgon2MemoryKiB: 65536, MaxArgon2Time: 1,
			MaxArgon2Threads: 1, MaxBcryptCost: 10, MaxSHACryptRounds: 999_999_999}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := NewHasher(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Limits(); got != tt.want {
				t.Errorf("NewHasher(%+v).Limits() = %+v, want %+v", tt.opts, got, tt.want)
			}
		})
	}
}

func TestErrorsAreDistinct(t *testing.T) {
	t.Parallel()
	all := []error{ErrUnknownScheme, ErrUnsupportedHash, ErrMalformedHash, ErrWeakScheme, ErrCostLimit, ErrEmptyPassword, ErrPasswordTooLong}
	for i, a := range all {
		if !strings.HasPrefix(a.Error(), "auth: ") {
			t.Errorf("%q lacks the package prefix", a)
		}
		for j, b := range all {
			if i != j && errors.Is(a, b) {
				t.Errorf("errors.Is(%q, %q)", a, b)
			}
		}
	}
}
