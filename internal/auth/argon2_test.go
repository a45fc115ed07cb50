package auth

import (
	"errors"
	"testing"
)

// Argon2 vectors: "doveadm" from `doveadm pw -s ARGON2ID -p secret`
// (Dovecot 2.3 over libsodium), "argon2 cli" from Debian's argon2 package:
// `echo -n secret | argon2 saltsaltsalt -id -t 2 -m 10 -p 2 -e`.
var argon2Vectors = []vector{
	{"doveadm argon2id", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$8eJCbUl9STaAR6ulZDHt1Q$GJQXGnl6Z7wNXacJmxuhOjPR8sAiKpaSer5WOel+/NI", "secret", SchemeArgon2ID},
	{"doveadm argon2id utf-8", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$MGM+H/YAbceVTpG2vAYESQ$zH6CTo5hnC56rtoAlIishZ/1YDCwNZ+yX4ft6WCGpvk", "pässwörd ✓ 2024", SchemeArgon2ID},
	{"doveadm argon2i", "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$T5GlD1IKaGp5HZU/6M21Qg$zTnvRVoT/mjRIUZxNcwSNOWdoibvnMpm4EkbbAk+GwE", "secret", SchemeArgon2I},
	{"doveadm argon2i utf-8", "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$iW7IfjEtTUN4GxKmEZ5dzQ$MxEv+yGx/3PZg/XuFBgHEX7P+PTikiEge6Smv8Ycy4c", "pässwörd ✓ 2024", SchemeArgon2I},
	{"argon2 cli id p=2", "$argon2id$v=19$m=1024,t=2,p=2$c2FsdHNhbHRzYWx0$Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw", "secret", SchemeArgon2ID},
	{"argon2 cli i 16-byte tag", "$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$qsMNawBD76muM8csLZRaGQ", "secret", SchemeArgon2I},
}

func TestArgon2Vectors(t *testing.T) {
	t.Parallel()
	checkVectors(t, argon2Vectors)
}

func TestParseArgon2Errors(t *testing.T) {
	t.Parallel()
	const salt, key = "c2FsdHNhbHRzYWx0", "Ji+djQ0+6vg1VyN9fPVLyqi5MsFxu9ue/cgilRpiZpw"
	tests := []struct {
		name    string
		stored  string
		wantErr error
	}{
		{"version 16 explicit", "$argon2id$v=16$m=1024,t=1,p=1$" + salt + "$cgQ4ZsAhIrIfi43Uj1zsrxh0vEFfADjXH/M/Tm2TFaU", ErrUnsupportedHash},
		{"version 16 implicit", "$argon2id$m=1024,t=1,p=1$" + salt + "$" + key, ErrUnsupportedHash},
		{"too few fields", "$argon2id$v=19$m=1024,t=1,p=1$" + salt, ErrMalformedHash},
		{"too many fields", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key + "$", ErrMalformedHash},
		{"no v=", "$argon2id$x=19$m=1024,t=1,p=1$" + salt + "$" + key + "$x", ErrMalformedHash},
		{"bad version", "$argon2id$v=x$m=1024,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"signed version", "$argon2id$v=+19$m=1024,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"params out of order", "$argon2id$v=19$t=1,m=1024,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"missing param", "$argon2id$v=19$m=1024,t=1$" + salt + "$" + key, ErrMalformedHash},
		{"extra param", "$argon2id$v=19$m=1024,t=1,p=1,k=1$" + salt + "$" + key, ErrMalformedHash},
		{"empty m", "$argon2id$v=19$m=,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"negative t", "$argon2id$v=19$m=1024,t=-1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"m overflows uint32", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"t=0", "$argon2id$v=19$m=1024,t=0,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"p=0", "$argon2id$v=19$m=1024,t=1,p=0$" + salt + "$" + key, ErrMalformedHash},
		{"p=256", "$argon2id$v=19$m=4096,t=1,p=256$" + salt + "$" + key, ErrUnsupportedHash},
		{"m below 8p", "$argon2id$v=19$m=15,t=1,p=2$" + salt + "$" + key, ErrMalformedHash},
		{"padded salt", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0ZQ==$" + key, ErrMalformedHash},
		{"salt not base64", "$argon2id$v=19$m=1024,t=1,p=1$!!!!!!!!!!!$" + key, ErrMalformedHash},
		{"salt too short", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$" + key, ErrMalformedHash},
		{"empty hash", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$", ErrMalformedHash},
		{"hash too short", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$YWJj", ErrMalformedHash},
		{"hash too long", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key + key + key + key + key, ErrMalformedHash},
		{"braced argon2i holding argon2id", "{ARGON2I}$argon2id$v=19$m=1024,t=2,p=2$" + salt + "$" + key, ErrMalformedHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseScheme(tt.stored); !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseScheme(%q) = %v, want %v", tt.stored, err, tt.wantErr)
			}
		})
	}
}

func TestArgon2EncodeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, v := range argon2Vectors {
		stored := v.stored
		if stored[0] == '{' {
			stored = stored[len(v.scheme)+2:]
		}
		sh, err := parse(stored)
		if err != nil {
			t.Fatalf("parse(%q): %v", stored, err)
		}
		a := sh.(*argon2Hash)
		if got := a.encode(); got != stored {
			t.Errorf("encode(parse(%q)) = %q", stored, got)
		}
	}
}
