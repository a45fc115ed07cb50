package auth

import (
	"errors"
	"testing"
)

// Digest vectors from `doveadm pw -s SCHEME -p ...` (Dovecot 2.3).
var digestVectors = []vector{
	{"doveadm ssha512", "{SSHA512}KSmNesHl7C49vFyx4VrslqALuHlcs934likm3se+EIywBKUwKzgCiqmdNaX4lAKOPakEAaIdPYhBXFBqLPm5peu3cGU=", "secret", SchemeSSHA512},
	{"doveadm ssha512 utf-8", "{SSHA512}8yBbfyLUzi5hh4m7ya9CuUo8KhvdGuRI7u3GjIRrHJcGjYbOFbt1sWwHY+RpZicrvsCYGXIgUFtLJPRQK6g4No2rJZ4=", "pässwörd ✓ 2024", SchemeSSHA512},
	{"doveadm ssha512.hex", "{SSHA512.HEX}bacae4bbebe02ff828e3bb7de65357d1bdbb851839380782409a22b971cc595aedf79e65f05c95ba4ec658a749c4adf045b69b97ed028e43b933a53f2ae87eafbc59b125", "secret", SchemeSSHA512},
	{"doveadm ssha256", "{SSHA256}NbaoTSJ5sW3T1kOqzaoGftAld+DukvrOtcQIGffgulGXq3Fm", "secret", SchemeSSHA256},
	{"doveadm ssha256 utf-8", "{SSHA256}vt+8wraq1LaoSz0PBWhdJSPqMPV0QYzYwUGrKhqu9QbhjI0C", "pässwörd ✓ 2024", SchemeSSHA256},
	{"doveadm ssha256.hex", "{SSHA256.HEX}dd23a5fc7318c071240316ce21da188be82f0ec5333257ffacc27503c2390ca9b80ab50e", "secret", SchemeSSHA256},
	{"doveadm ssha256.hex utf-8", "{SSHA256.HEX}6008ea16b8d6f785d45344646fd3f3d4a8baa98d20b7af60f8a16263e1cd3e4315d95f7b", "pässwörd ✓ 2024", SchemeSSHA256},
	{"ssha256 lower-case b64 suffix", "{ssha256.b64}NbaoTSJ5sW3T1kOqzaoGftAld+DukvrOtcQIGffgulGXq3Fm", "secret", SchemeSSHA256},
	{"doveadm plain-md5", "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "secret", SchemePlainMD5},
	{"doveadm plain-md5 utf-8", "{PLAIN-MD5}295e4085e12dafd6f522268bd6eb19b4", "pässwörd ✓ 2024", SchemePlainMD5},
	{"plain-md5 upper-case hex", "{PLAIN-MD5}5EBE2294ECD0E0F08EAB7690D2A6EE69", "secret", SchemePlainMD5},
	{"doveadm plain-md5.b64", "{PLAIN-MD5.B64}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "secret", SchemePlainMD5},
	{"plain-md5 guessed base64", "{PLAIN-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "secret", SchemePlainMD5},
	{"doveadm ldap-md5", "{LDAP-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "secret", SchemePlainMD5},
	{"ldap-md5 unpadded", "{LDAP-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ", "secret", SchemePlainMD5},
	{"doveadm ldap-md5.hex", "{LDAP-MD5.HEX}5ebe2294ecd0e0f08eab7690d2a6ee69", "secret", SchemePlainMD5},
	{"ldap-md5 guessed hex", "{LDAP-MD5}295e4085e12dafd6f522268bd6eb19b4", "pässwörd ✓ 2024", SchemePlainMD5},
	{"doveadm plain", "{PLAIN}secret", "secret", SchemePlain},
	{"doveadm plain utf-8", "{PLAIN}pässwörd ✓ 2024", "pässwörd ✓ 2024", SchemePlain},
	{"doveadm cleartext", "{CLEARTEXT}secret", "secret", SchemePlain},
	{"plain holding braces and dollars", "{PLAIN}{x}$6$y", "{x}$6$y", SchemePlain},
	{"plain.b64", "{PLAIN.B64}c2VjcmV0", "secret", SchemePlain},
}

func TestDigestVectors(t *testing.T) {
	t.Parallel()
	checkVectors(t, digestVectors)
}

func TestParseDigestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stored string
	}{
		{"ssha512 digest only", "{SSHA512}ZVaBVfKz1JJ7+q8BvrVcM+LK5Rjcdl7Bv7fGEtIAw0rtq5gCmZ8OxSn9+h9A2z3XtAI7mKDwa5t2SGQn8AbqkQ=="},
		{"ssha512 not base64", "{SSHA512}!!!!"},
		{"ssha512 line break", "{SSHA512}KSmNesHl7C49vFyx4VrslqALuHlcs934likm3se+EIywBKUwKzgCiqmdNaX4lAKOP\nakEAaIdPYhBXFBqLPm5peu3cGU="},
		{"ssha256 too short", "{SSHA256}c2VjcmV0"},
		{"ssha256 bad hex", "{SSHA256.HEX}zz23a5fc7318c071240316ce21da188be82f0ec5333257ffacc27503c2390ca9b80ab50e"},
		{"unknown suffix", "{SSHA256.B32}NbaoTSJ5sW3T1kOqzaoGftAld+DukvrOtcQIGffgulGXq3Fm"},
		{"plain-md5 wrong length", "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee"},
		{"plain-md5 not hex nor base64", "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee6!"},
		{"plain-md5 hex suffix with base64", "{PLAIN-MD5.HEX}Xr4ilOzQ4PCOq3aQ0qbuaQ=="},
		{"empty plain", "{PLAIN}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseScheme(tt.stored); !errors.Is(err, ErrMalformedHash) {
				t.Errorf("ParseScheme(%q) = %v, want ErrMalformedHash", tt.stored, err)
			}
		})
	}
}
