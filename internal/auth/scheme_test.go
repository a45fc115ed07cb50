package auth

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestParseScheme(t *testing.T) {
	t.Parallel()
	const (
		sha512Sum  = "svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
		bcryptTail = "SCIFsUwpJP7zI0WkMDYeSeGq59arFWIWvS0.nbC2pt0lRMmUN0Z/C"
	)
	tests := []struct {
		name    string
		stored  string
		want    Scheme
		wantErr error
	}{
		{"argon2id braced", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$8eJCbUl9STaAR6ulZDHt1Q$GJQXGnl6Z7wNXacJmxuhOjPR8sAiKpaSer5WOel+/NI", SchemeArgon2ID, nil},
		{"argon2id lower-case braces", "{argon2id}$argon2id$v=19$m=65536,t=3,p=1$8eJCbUl9STaAR6ulZDHt1Q$GJQXGnl6Z7wNXacJmxuhOjPR8sAiKpaSer5WOel+/NI", SchemeArgon2ID, nil},
		{"argon2id bare", "$argon2id$v=19$m=1024,t=2,p=2$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw", SchemeArgon2ID, nil},
		{"argon2i bare", "$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$qsMNawBD76muM8csLZRaGQ", SchemeArgon2I, nil},
		{"bcrypt 2y braced", "{BLF-CRYPT}$2y$05$" + bcryptTail, SchemeBcrypt, nil},
		{"bcrypt 2a bare", "$2a$05$" + bcryptTail, SchemeBcrypt, nil},
		{"bcrypt 2b bare", "$2b$05$" + bcryptTail, SchemeBcrypt, nil},
		{"sha512-crypt bare", "$6$saltstring$" + sha512Sum, SchemeSHA512Crypt, nil},
		{"sha512-crypt rounds", "$6$rounds=10000$saltstringsaltst$" + sha512Sum, SchemeSHA512Crypt, nil},
		{"sha512-crypt empty salt", "$6$$" + sha512Sum, SchemeSHA512Crypt, nil},
		{"sha256-crypt", "{SHA256-CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", SchemeSHA256Crypt, nil},
		{"crypt holding sha512", "{CRYPT}$6$saltstring$" + sha512Sum, SchemeSHA512Crypt, nil},
		{"crypt holding bcrypt", "{CRYPT}$2y$05$" + bcryptTail, SchemeBcrypt, nil},
		{"md5 is md5-crypt", "{MD5}$1$AJJLARMq$BpIgIvCJdijLd.oAarmXI1", SchemeMD5Crypt, nil},
		{"md5-crypt bare", "$1$$ysVNzQc4CTMkp5daOdZ.3/", SchemeMD5Crypt, nil},
		{"ssha512", "{SSHA512}KSmNesHl7C49vFyx4VrslqALuHlcs934likm3se+EIywBKUwKzgCiqmdNaX4lAKOPakEAaIdPYhBXFBqLPm5peu3cGU=", SchemeSSHA512, nil},
		{"ssha256 hex", "{SSHA256.HEX}dd23a5fc7318c071240316ce21da188be82f0ec5333257ffacc27503c2390ca9b80ab50e", SchemeSSHA256, nil},
		{"plain-md5", "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", SchemePlainMD5, nil},
		{"ldap-md5", "{LDAP-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", SchemePlainMD5, nil},
		{"plain", "{PLAIN}secret", SchemePlain, nil},
		{"clear", "{CLEAR}secret", SchemePlain, nil},

		{"empty", "", "", ErrMalformedHash},
		{"too long", "{PLAIN}" + strings.Repeat("x", maxStoredLen), "", ErrMalformedHash},
		{"bare word", "secret", "", ErrUnknownScheme},
		{"bare DES", "JrrBdUadLLyb.", "", ErrUnknownScheme},
		{"unclosed brace", "{PLAIN secret", "", ErrMalformedHash},
		{"unknown braced", "{SCRAM-SHA-256}4096,abc", "", ErrUnknownScheme},
		{"unknown sha1", "{SSHA}abcdefgh", "", ErrUnknownScheme},
		{"yescrypt", "$y$j9T$aOG.nLEVW9cHdYuznS1yd/$s7s0dEW0BfES4H5AuL1uWOGCVJuLWa51IgEZHed7Zi0", "", ErrUnknownScheme},
		{"apr1", "$apr1$gdBRZ9A6$C5q8MPrq3g2MCYSdH5I.o.", "", ErrUnknownScheme},
		{"lone dollar", "$", "", ErrUnknownScheme},
		{"des crypt", "{DES-CRYPT}JrrBdUadLLyb.", SchemeDESCrypt, ErrUnsupportedHash},
		{"crypt holding des", "{CRYPT}Y./1.fIeeKFBE", SchemeDESCrypt, ErrUnsupportedHash},
		{"crypt holding bsdi des", "{CRYPT}_J9..CCCCXBrJUJV154M", SchemeDESCrypt, ErrUnsupportedHash},
		{"crypt holding garbage", "{CRYPT}abc", SchemeDESCrypt, ErrMalformedHash},
		{"crypt with encoding", "{CRYPT.HEX}$6$saltstring$" + sha512Sum, SchemeDESCrypt, ErrMalformedHash},
		{"crypt holding unknown", "{CRYPT}$y$j9T$abc", "", ErrUnknownScheme},
		{"argon2d", "$argon2d$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$14pPe+ozofSeDcdnDKFFVi3DfoxLSBjeB3HyBM5YkOI", "ARGON2D", ErrUnsupportedHash},
		{"bcrypt 2x", "$2x$05$" + bcryptTail, SchemeBcrypt, ErrUnsupportedHash},
		{"braced holds other scheme", "{SHA512-CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", SchemeSHA512Crypt, ErrMalformedHash},
		{"braced holds unknown", "{BLF-CRYPT}$y$j9T$abc", SchemeBcrypt, ErrMalformedHash},
		{"braced holds nothing", "{ARGON2ID}", SchemeArgon2ID, ErrMalformedHash},
		{"braced crypt with encoding", "{SHA512-CRYPT.HEX}$6$saltstring$" + sha512Sum, SchemeSHA512Crypt, ErrMalformedHash},
		{"bcrypt under md5", "{MD5}$2y$05$" + bcryptTail, SchemeMD5Crypt, ErrMalformedHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseScheme(tt.stored)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("ParseScheme(%q) = %q, %v, want %q, %v", tt.stored, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSchemeWeak(t *testing.T) {
	t.Parallel()
	for s, want := range map[Scheme]bool{
		SchemeArgon2ID: false, SchemeArgon2I: false, SchemeBcrypt: false,
		SchemeSHA512Crypt: false, SchemeSHA256Crypt: false, SchemeSSHA512: false, SchemeSSHA256: false,
		SchemeMD5Crypt: true, SchemePlainMD5: true, SchemePlain: true, SchemeDESCrypt: true,
	} {
		if got := s.Weak(); got != want {
			t.Errorf("%s.Weak() = %v, want %v", s, got, want)
		}
	}
}

// FuzzParseScheme checks that ParseScheme never panics and that whatever it
// accepts is one of the documented schemes.
func FuzzParseScheme(f *testing.F) {
	f.Add("{PLAIN}secret")
	f.Add("$argon2id$v=19$m=1024,t=2,p=2$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw")
	known := map[Scheme]bool{
		SchemeArgon2ID: true, SchemeArgon2I: true, SchemeBcrypt: true, SchemeSHA512Crypt: true,
		SchemeSHA256Crypt: true, SchemeSSHA512: true, SchemeSSHA256: true, SchemeMD5Crypt: true,
		SchemePlainMD5: true, SchemePlain: true,
	}
	f.Fuzz(func(t *testing.T, stored string) {
		s, err := ParseScheme(stored)
		if err == nil && !known[s] {
			t.Fatalf("ParseScheme(%q) = %q, not a documented scheme", stored, s)
		}
		if err != nil && !errors.Is(err, ErrUnknownScheme) && !errors.Is(err, ErrUnsupportedHash) && !errors.Is(err, ErrMalformedHash) {
			t.Fatalf("ParseScheme(%q) error %v wraps no sentinel", stored, err)
		}
	})
}

// TestLogValueRedacts logs every parsed vector and checks that neither the
// password nor the end of the stored hash (its digest) reaches the log.
func TestLogValueRedacts(t *testing.T) {
	t.Parallel()
	var all []vector
	for _, vs := range [][]vector{argon2Vectors, bcryptVectors, cryptToolVectors, digestVectors} {
		all = append(all, vs...)
	}
	for _, v := range all {
		sh, err := parse(v.stored)
		if err != nil {
			t.Fatalf("parse(%q): %v", v.stored, err)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("hash", "hash", sh)
		out := buf.String()
		if strings.Contains(out, v.password) || strings.Contains(out, v.stored[len(v.stored)-6:]) {
			t.Errorf("logging %q shows a secret: %s", v.stored, out)
		}
		if !strings.Contains(out, string(v.scheme)) {
			t.Errorf("logging %q omits the scheme: %s", v.stored, out)
		}
	}
}
