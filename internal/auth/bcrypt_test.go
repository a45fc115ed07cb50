package auth

import (
	"errors"
	"strings"
	"testing"
)

// bcrypt vectors: "doveadm" from `doveadm pw -s BLF-CRYPT [-r 10] -p ...`,
// "mkpasswd" from `mkpasswd -m bcrypt|bcrypt-a secret` (Debian's whois
// package, libxcrypt), "python" from Python 3.11's crypt module (libxcrypt).
var bcryptVectors = []vector{
	{"doveadm cost 5", "{BLF-CRYPT}$2y$05$SCIFsUwpJP7zI0WkMDYeSeGq59arFWIWvS0.nbC2pt0lRMmUN0Z/C", "secret", SchemeBcrypt},
	{"doveadm cost 10", "{BLF-CRYPT}$2y$10$/qpeI.F9tGHhj6ux0V2dXeGZU.b2C13dUG4fjLf2W9Xis9LHl5R1W", "secret", SchemeBcrypt},
	{"doveadm utf-8", "{BLF-CRYPT}$2y$05$GeTdGfrxuh48uwwApJJdcO45PJyPfHQTtVvEkOzZhGKw9rKPJtTPG", "pässwörd ✓ 2024", SchemeBcrypt},
	{"doveadm crypt", "{CRYPT}$2y$05$S7mo2UKmFY8XvRZWIYhzNu5maCFKbHFxNW.jN7OKuNfd/oVQ8heO.", "secret", SchemeBcrypt},
	{"mkpasswd 2b", "$2b$05$6J1OE9yNFX6XaOAHqynQzeuTbvE.Kk6yBxFYlXi7sQ/OwoALo7Hum", "secret", SchemeBcrypt},
	{"mkpasswd 2a", "$2a$05$UkKuj9mdrwROdjUIvTenCuzQ5GboL.I7tplKjJHM2CCcHakUxoOmC", "secret", SchemeBcrypt},
	{"python 2b cost 6", "$2b$06$GrC2vmA/sUix9RNvqZztVepk/C/e2zUMcPU3.WJkHJMH6eyXT5pDa", "secret", SchemeBcrypt},
}

func TestBcryptVectors(t *testing.T) {
	t.Parallel()
	checkVectors(t, bcryptVectors)
}

// TestBcryptLongPassword checks the 72-byte cut that every bcrypt makes,
// against a 105-byte password hashed by doveadm.
func TestBcryptLongPassword(t *testing.T) {
	t.Parallel()
	const stored = "{BLF-CRYPT}$2y$05$pLgF7xusCvjdpX.BVpDJ2eIup61cNA8UyPF9jfqwYZctB4oJ9hb9O"
	long := strings.Repeat("x", 72) + "tail-ignored-by-bcrypt-0123456789"
	h := weakHasher(t)
	for _, tt := range []struct {
		name     string
		password string
		want     bool
	}{
		{"as hashed", long, true},
		{"other tail", strings.Repeat("x", 72) + "y", true},
		{"72 bytes", strings.Repeat("x", 72), true},
		{"71 bytes", strings.Repeat("x", 71), false},
	} {
		ok, _, err := h.Verify(stored, []byte(tt.password))
		if ok != tt.want || err != nil {
			t.Errorf("%s: Verify(%q, %d bytes) = %v, %v, want %v", tt.name, stored, len(tt.password), ok, err, tt.want)
		}
	}
}

func TestParseBcryptErrors(t *testing.T) {
	t.Parallel()
	const tail = "SCIFsUwpJP7zI0WkMDYeSeGq59arFWIWvS0.nbC2pt0lRMmUN0Z/C"
	tests := []struct {
		name   string
		stored string
	}{
		{"short", "$2y$05$" + tail[1:]},
		{"long", "$2y$05$" + tail + "C"},
		{"one-digit cost", "$2y$5$" + tail + "C"},
		{"cost 03", "$2y$03$" + tail},
		{"cost 32", "$2y$32$" + tail},
		{"cost not digits", "$2y$x5$" + tail},
		{"no $ after cost", "$2y$05x" + tail},
		{"outside alphabet", "$2y$05$" + tail[:52] + "+"},
		{"nul byte", "$2y$05$" + tail[:52] + "\x00"},
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
