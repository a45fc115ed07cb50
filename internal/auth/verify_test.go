package auth

import (
	"errors"
	"strings"
	"testing"
)

// vector is a stored hash made by a real tool and the password it hashes.
type vector struct {
	name     string
	stored   string
	password string
	scheme   Scheme
}

// weakHasher verifies every scheme, with limits that fit the vectors.
func weakHasher(t testing.TB) *Hasher {
	t.Helper()
	h, err := NewHasher(Options{AllowWeak: true, Limits: Limits{MaxSHACryptRounds: 200_000}})
	if err != nil {
		t.Fatalf("NewHasher: %v", err)
	}
	return h
}

// checkVectors verifies each vector with its password and refuses it with
// wrong ones.
func checkVectors(t *testing.T, vectors []vector) {
	t.Helper()
	h := weakHasher(t)
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			s, err := ParseScheme(v.stored)
			if err != nil || s != v.scheme {
				t.Fatalf("ParseScheme(%q) = %q, %v, want %q", v.stored, s, err, v.scheme)
			}
			if err := h.CheckImportable(v.stored); err != nil {
				t.Errorf("CheckImportable(%q) = %v", v.stored, err)
			}
			ok, _, err := h.Verify(v.stored, []byte(v.password))
			if !ok || err != nil {
				t.Errorf("Verify(%q, %q) = %v, %v, want true", v.stored, v.password, ok, err)
			}
			for _, wrong := range []string{v.password + "x", v.password[:len(v.password)-1]} {
				if wrong == v.password || wrong == "" {
					continue
				}
				ok, _, err := h.Verify(v.stored, []byte(wrong))
				if ok || err != nil {
					t.Errorf("Verify(%q, %q) = %v, %v, want false", v.stored, wrong, ok, err)
				}
			}
		})
	}
}

func TestVerifyWeakPolicy(t *testing.T) {
	t.Parallel()
	strict, err := NewHasher(Options{})
	if err != nil {
		t.Fatal(err)
	}
	lax := weakHasher(t)
	tests := []struct {
		name   string
		stored string
		weak   bool
	}{
		{"plain", "{PLAIN}secret", true},
		{"cleartext", "{CLEARTEXT}secret", true},
		{"plain-md5", "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", true},
		{"ldap-md5", "{LDAP-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", true},
		{"md5 braced", "{MD5}$1$AJJLARMq$BpIgIvCJdijLd.oAarmXI1", true},
		{"md5 bare", "$1$aH726.JA$W10c8dUA8ypPUdnKLsgKy1", true},
		{"crypt holding md5", "{CRYPT}$1$aH726.JA$W10c8dUA8ypPUdnKLsgKy1", true},
		{"crypt holding bcrypt", "{CRYPT}$2y$05$S7mo2UKmFY8XvRZWIYhzNu5maCFKbHFxNW.jN7OKuNfd/oVQ8heO.", false},
		{"ssha512", "{SSHA512}KSmNesHl7C49vFyx4VrslqALuHlcs934likm3se+EIywBKUwKzgCiqmdNaX4lAKOPakEAaIdPYhBXFBqLPm5peu3cGU=", false},
		{"sha512-crypt", "$6$fIUcdjKz4Oh3/rdq$SMdyqBy1qkc1eHs2HCA9CWNhi2BswFQsrgHtxiexBfztZmpRZH1JPyMMPlMpR9eWBPTE01n1OSsWZRy1mqXiX/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, _, err := strict.Verify(tt.stored, []byte("secret"))
			if tt.weak {
				if ok || !errors.Is(err, ErrWeakScheme) {
					t.Errorf("strict Verify(%q) = %v, %v, want false, ErrWeakScheme", tt.stored, ok, err)
				}
				if err := strict.CheckImportable(tt.stored); !errors.Is(err, ErrWeakScheme) {
					t.Errorf("strict CheckImportable(%q) = %v, want ErrWeakScheme", tt.stored, err)
				}
			} else if !ok || err != nil {
				t.Errorf("strict Verify(%q) = %v, %v, want true, nil", tt.stored, ok, err)
			}
			ok, rehash, err := lax.Verify(tt.stored, []byte("secret"))
			if !ok || err != nil {
				t.Errorf("lax Verify(%q) = %v, %v, want true, nil", tt.stored, ok, err)
			}
			if tt.weak && !rehash {
				t.Errorf("lax Verify(%q): needsRehash false for a weak scheme", tt.stored)
			}
		})
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	t.Parallel()
	argonDefault, err := NewHasher(Options{})
	if err != nil {
		t.Fatal(err)
	}
	argonT3, err := NewHasher(Options{Argon2Time: 3})
	if err != nil {
		t.Fatal(err)
	}
	bcrypt5, err := NewHasher(Options{Scheme: SchemeBcrypt, BcryptCost: 5})
	if err != nil {
		t.Fatal(err)
	}
	own, err := argonDefault.Hash([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	const (
		doveArgon = "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$8eJCbUl9STaAR6ulZDHt1Q$GJQXGnl6Z7wNXacJmxuhOjPR8sAiKpaSer5WOel+/NI"
		doveBlf5  = "{BLF-CRYPT}$2y$05$SCIFsUwpJP7zI0WkMDYeSeGq59arFWIWvS0.nbC2pt0lRMmUN0Z/C"
		doveBlf10 = "{BLF-CRYPT}$2y$10$/qpeI.F9tGHhj6ux0V2dXeGZU.b2C13dUG4fjLf2W9Xis9LHl5R1W"
		mkBlf2b   = "$2b$05$6J1OE9yNFX6XaOAHqynQzeuTbvE.Kk6yBxFYlXi7sQ/OwoALo7Hum"
		sha512    = "{SHA512-CRYPT}$6$Vf96IiH55YE4tVQ6$WuGSXGK71TjoJcT97CAfwK0ZmVgZlMzQKoPK4QrEfy1TwYh9F12WyVRCNFrEcq8tXRqHnvBCdpBtwD7g8CTGN/"
		argon2i   = "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$T5GlD1IKaGp5HZU/6M21Qg$zTnvRVoT/mjRIUZxNcwSNOWdoibvnMpm4EkbbAk+GwE"
		cliShort  = "$argon2id$v=19$m=1024,t=2,p=2$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw"
	)
	tests := []struct {
		name   string
		h      *Hasher
		stored string
		want   bool
	}{
		{"own hash", argonDefault, own, false},
		{"dovecot t=3 under t=1", argonDefault, doveArgon, true},
		{"dovecot t=3 under t=3", argonT3, doveArgon, false},
		{"own t=1 under t=3", argonT3, own, true},
		{"argon2id under bcrypt", bcrypt5, doveArgon, true},
		{"argon2i under argon2id", argonDefault, argon2i, true},
		{"other m and p", argonDefault, cliShort, true},
		{"bcrypt under argon2id", argonDefault, doveBlf5, true},
		{"bcrypt same cost", bcrypt5, doveBlf5, false},
		{"bcrypt $2b$ same cost", bcrypt5, mkBlf2b, false},
		{"bcrypt higher cost", bcrypt5, doveBlf10, true},
		{"sha512-crypt", argonDefault, sha512, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := tt.h.Verify(tt.stored, []byte("secret"))
			if !ok || err != nil || rehash != tt.want {
				t.Errorf("Verify(%q) = %v, %v, %v, want true, %v, nil", tt.stored, ok, rehash, err, tt.want)
			}
			ok, rehash, err = tt.h.Verify(tt.stored, []byte("wrong"))
			if ok || rehash || err != nil {
				t.Errorf("Verify(%q, wrong) = %v, %v, %v, want false, false, nil", tt.stored, ok, rehash, err)
			}
		})
	}
}

func TestVerifyCostLimits(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tight, err := NewHasher(Options{
		Argon2MemoryKiB: 1024,
		BcryptCost:      4,
		Limits: Limits{MaxArgon2MemoryKiB: 32768, MaxArgon2Time: 2, MaxArgon2Threads: 1,
			MaxBcryptCost: 5, MaxSHACryptRounds: 9999},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		h      *Hasher
		stored string
	}{
		{"argon2 memory 4 GiB", h, "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw"},
		{"argon2 memory 1 GiB", h, "$argon2id$v=19$m=1048576,t=4,p=1$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw"},
		{"argon2 time 1000", h, "$argon2id$v=19$m=65536,t=1000,p=1$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw"},
		{"argon2 threads 255", h, "$argon2id$v=19$m=65536,t=1,p=255$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw"},
		{"bcrypt cost 31", h, "$2y$31$yXdkNlpjpRCk4S72r3p5bOK0Q46KfffIcXXiOoOVplMc6jynxFeIO"},
		{"bcrypt cost 16", h, "$2y$16$yXdkNlpjpRCk4S72r3p5bOK0Q46KfffIcXXiOoOVplMc6jynxFeIO"},
		{"sha512 max rounds", h, "$6$rounds=999999999$salt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"plain password over the length limit", weakHasher(t), "{PLAIN}" + strings.Repeat("a", 1025)},
		{"sha512 rounds clamped from huge", h, "$6$rounds=99999999999999999999$salt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"tight argon2 memory", tight, "{ARGON2ID}$argon2id$v=19$m=65536,t=1,p=1$8eJCbUl9STaAR6ulZDHt1Q$GJQXGnl6Z7wNXacJmxuhOjPR8sAiKpaSer5WOel+/NI"},
		{"tight argon2 time", tight, "$argon2id$v=19$m=1024,t=3,p=1$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw"},
		{"tight argon2 threads", tight, "$argon2id$v=19$m=1024,t=2,p=2$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw"},
		{"tight bcrypt", tight, "{BLF-CRYPT}$2y$10$/qpeI.F9tGHhj6ux0V2dXeGZU.b2C13dUG4fjLf2W9Xis9LHl5R1W"},
		{"tight sha512-crypt", tight, "{SHA512-CRYPT}$6$rounds=10000$b/eaLRgpHR8MGedn$cf8tB4dXaoOTWuByqTgRifyktp14O8rduvQfFictifShd/LnwaPUKoSO5UF3dAgDx.37MS9zP5wuzvqorCIYg."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, _, err := tt.h.Verify(tt.stored, []byte("secret"))
			if ok || !errors.Is(err, ErrCostLimit) {
				t.Errorf("Verify(%q) = %v, %v, want false, ErrCostLimit", tt.stored, ok, err)
			}
			if err := tt.h.CheckImportable(tt.stored); !errors.Is(err, ErrCostLimit) {
				t.Errorf("CheckImportable(%q) = %v, want ErrCostLimit", tt.stored, err)
			}
		})
	}
}

func TestVerifyPasswordBounds(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(Options{AllowWeak: true, Limits: Limits{MaxPasswordBytes: 16}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		stored   string
		password string
	}{
		{"empty against empty-looking plain", "{PLAIN}x", ""},
		{"empty against sha512-crypt of empty", "$6$$2M9DchxW4txWyTYoZrH9D3VvAAQxBpEezYsLY6Cao.jwzEXpyL9xwip9hiUZX7GqTqe/E/z6iKvZqXUuqniQH.", ""},
		{"over the limit", "$6$$" + strings.Repeat("a", 86), strings.Repeat("a", 17)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := h.Verify(tt.stored, []byte(tt.password))
			if ok || rehash || err != nil {
				t.Errorf("Verify(%q, %d bytes) = %v, %v, %v, want false, false, nil", tt.stored, len(tt.password), ok, rehash, err)
			}
		})
	}
}

// TestVerifyErrorsHideSecrets checks that no error repeats the stored hash,
// whose salt and digest (or, for {PLAIN}, the password) must not reach logs.
func TestVerifyErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, stored := range []string{
		"{PLAIN}hunter2hunter2",
		"{PLAIN-MD5}hunter2hunter2",
		"{SSHA512}hunter2hunter2",
		"{SHA512-CRYPT}$6$hunter2hunter2$short",
		"$6$rounds=hunter2hunter2$salt$x",
		"$argon2id$v=19$m=65536,t=1,p=1$hunter2hunter2$hunter2hunter2",
		"$argon2id$v=19$m=hunter2hunter2,t=1,p=1$c2FsdHNhbHRzYWx0$Ji+djQ0",
		"{hunter2hunter2hunter2hunter2}x",
		"$hunter2hunter2hunter2hunter2$",
		"hunter2hunter2",
	} {
		err := h.CheckImportable(stored)
		if err == nil {
			t.Errorf("CheckImportable(%q) = nil, want an error", stored)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("CheckImportable(%q) = %q, which shows the secret", stored, err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h, err := NewHasher(Options{AllowWeak: true})
	if err != nil {
		b.Fatal(err)
	}
	own, err := h.Hash([]byte("secret"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bm := range []struct{ name, stored string }{
		{"ARGON2ID/m=64MiB,t=1,p=1", own},
		{"ARGON2ID/m=64MiB,t=3,p=1", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$8eJCbUl9STaAR6ulZDHt1Q$GJQXGnl6Z7wNXacJmxuhOjPR8sAiKpaSer5WOel+/NI"},
		{"ARGON2I/m=32MiB,t=4,p=1", "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$T5GlD1IKaGp5HZU/6M21Qg$zTnvRVoT/mjRIUZxNcwSNOWdoibvnMpm4EkbbAk+GwE"},
		{"BLF-CRYPT/cost=5", "{BLF-CRYPT}$2y$05$SCIFsUwpJP7zI0WkMDYeSeGq59arFWIWvS0.nbC2pt0lRMmUN0Z/C"},
		{"BLF-CRYPT/cost=10", "{BLF-CRYPT}$2y$10$/qpeI.F9tGHhj6ux0V2dXeGZU.b2C13dUG4fjLf2W9Xis9LHl5R1W"},
		{"SHA512-CRYPT/rounds=5000", "{SHA512-CRYPT}$6$Vf96IiH55YE4tVQ6$WuGSXGK71TjoJcT97CAfwK0ZmVgZlMzQKoPK4QrEfy1TwYh9F12WyVRCNFrEcq8tXRqHnvBCdpBtwD7g8CTGN/"},
		{"SHA256-CRYPT/rounds=5000", "{SHA256-CRYPT}$5$wedi2iF17BE7uFkI$KNSXb.IQ3ohs1UY6bd2v/wUHWhXOv7Psbczd722gPA8"},
		{"SSHA512", "{SSHA512}KSmNesHl7C49vFyx4VrslqALuHlcs934likm3se+EIywBKUwKzgCiqmdNaX4lAKOPakEAaIdPYhBXFBqLPm5peu3cGU="},
		{"SSHA256", "{SSHA256}NbaoTSJ5sW3T1kOqzaoGftAld+DukvrOtcQIGffgulGXq3Fm"},
		{"MD5-CRYPT", "{MD5}$1$AJJLARMq$BpIgIvCJdijLd.oAarmXI1"},
		{"PLAIN-MD5", "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69"},
		{"PLAIN", "{PLAIN}secret"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				if ok, _, err := h.Verify(bm.stored, []byte("secret")); !ok || err != nil {
					b.Fatalf("Verify(%q) = %v, %v", bm.stored, ok, err)
				}
			}
		})
	}
}

// fuzzHasher allows every scheme with limits small enough that one Verify of
// a hostile hash takes milliseconds.
func fuzzHasher(t testing.TB) *Hasher {
	t.Helper()
	h, err := NewHasher(Options{
		AllowWeak:       true,
		Argon2MemoryKiB: 64,
		BcryptCost:      4,
		Limits: Limits{MaxPasswordBytes: 256, MaxArgon2MemoryKiB: 256, MaxArgon2Time: 2,
			MaxArgon2Threads: 2, MaxBcryptCost: 5, MaxSHACryptRounds: 5000},
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// FuzzVerify feeds hostile stored hashes and passwords to Verify. It must
// not panic, must agree with CheckImportable and ParseScheme, and must never
// report a match for an unusable hash.
func FuzzVerify(f *testing.F) {
	f.Add("{PLAIN}secret", []byte("secret"))
	f.Add("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", []byte("Hello world!"))
	h := fuzzHasher(f)
	f.Fuzz(func(t *testing.T, stored string, password []byte) {
		ok, rehash, err := h.Verify(stored, password)
		checkErr := h.CheckImportable(stored)
		if (err == nil) != (checkErr == nil) {
			t.Fatalf("Verify(%q) err = %v but CheckImportable = %v", stored, err, checkErr)
		}
		if err != nil {
			if ok || rehash {
				t.Fatalf("Verify(%q) = %v, %v with error %v", stored, ok, rehash, err)
			}
			if !errors.Is(err, ErrUnknownScheme) && !errors.Is(err, ErrUnsupportedHash) &&
				!errors.Is(err, ErrMalformedHash) && !errors.Is(err, ErrWeakScheme) && !errors.Is(err, ErrCostLimit) {
				t.Fatalf("Verify(%q) error %v wraps no sentinel", stored, err)
			}
			return
		}
		if _, err := ParseScheme(stored); err != nil {
			t.Fatalf("Verify(%q) accepted what ParseScheme refuses: %v", stored, err)
		}
		if ok && (len(password) == 0 || len(password) > h.limits.MaxPasswordBytes) {
			t.Fatalf("Verify(%q) matched a password of %d bytes", stored, len(password))
		}
		if !ok && rehash {
			t.Fatalf("Verify(%q) = false but needsRehash", stored)
		}
	})
}
