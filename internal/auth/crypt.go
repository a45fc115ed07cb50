package auth

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/GehirnInc/crypt"
	"github.com/GehirnInc/crypt/md5_crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	"github.com/GehirnInc/crypt/sha512_crypt"
)

// SHA-crypt (Ulrich Drepper, "Unix crypt using SHA-256 and SHA-512") and
// MD5-crypt (Poul-Henning Kamp's $1$) are computed by
// github.com/GehirnInc/crypt; this file parses and bounds what it is given:
//
//	$6$[rounds=N$]salt$checksum   salt up to 16 bytes, 86 checksum characters
//	$5$[rounds=N$]salt$checksum   salt up to 16 bytes, 43 checksum characters
//	$1$salt$checksum              salt up to 8 bytes, 22 checksum characters
//
// As the spec says, rounds default to 5000 and are clamped to
// 1000..999,999,999. A stored hash is what crypt(3) printed, so unlike a
// setting its salt is never longer than the maximum; a longer one is
// malformed. Salt bytes are anything but '$', ':', newline and NUL, as in
// libxcrypt.
const (
	shaCryptDefaultRounds = 5000
	shaCryptMinRounds     = 1000
	shaCryptMaxSalt       = 16
	md5CryptMaxSalt       = 8
)

// cryptHash is a parsed SHA-crypt or MD5-crypt hash.
type cryptHash struct {
	kind   Scheme // SchemeSHA512Crypt, SchemeSHA256Crypt or SchemeMD5Crypt
	rounds int    // effective SHA-crypt rounds; 0 for MD5-crypt
	salt   string
	sum    string // the checksum as stored
}

func (c *cryptHash) scheme() Scheme { return c.kind }

// LogValue shows the scheme and rounds, never the salt or the checksum.
func (c *cryptHash) LogValue() slog.Value {
	return slog.GroupValue(slog.String("scheme", string(c.kind)), slog.Int("rounds", c.rounds))
}

func (c *cryptHash) verify(password []byte) bool {
	var (
		cr      crypt.Crypter
		setting string
	)
	switch c.kind {
	case SchemeSHA512Crypt:
		cr, setting = sha512_crypt.New(), "$6$"
	case SchemeSHA256Crypt:
		cr, setting = sha256_crypt.New(), "$5$"
	default:
		cr, setting = md5_crypt.New(), "$1$"
	}
	if c.rounds != 0 {
		// Always explicit: the rounds text is not hashed, and the
		// library then reads the salt from the same field either way.
		setting += "rounds=" + strconv.Itoa(c.rounds) + "$"
	}
	out, err := cr.Generate(password, []byte(setting+c.salt))
	if err != nil {
		return false
	}
	got := out[strings.LastIndexByte(out, '$')+1:]
	return subtle.ConstantTimeCompare([]byte(got), []byte(c.sum)) == 1
}

func (c *cryptHash) checkLimits(l *Limits) error {
	if c.rounds > l.MaxSHACryptRounds {
		return fmt.Errorf("%w: %s rounds %d, limit %d", ErrCostLimit, c.kind, c.rounds, l.MaxSHACryptRounds)
	}
	return nil
}

// parseSHACrypt parses "$6$..." (kind SchemeSHA512Crypt) or "$5$..."
// (SchemeSHA256Crypt).
func parseSHACrypt(s string, kind Scheme) (*cryptHash, error) {
	sumLen := 86
	if kind == SchemeSHA256Crypt {
		sumLen = 43
	}
	c := &cryptHash{kind: kind, rounds: shaCryptDefaultRounds}
	f := strings.Split(s[3:], "$")
	if len(f) == 3 {
		r, ok := strings.CutPrefix(f[0], "rounds=")
		if !ok {
			return nil, malformed(kind, "three fields and no rounds=")
		}
		n, err := parseRounds(r)
		if err != nil {
			return nil, malformed(kind, "rounds: %v", err)
		}
		c.rounds = n
		f = f[1:]
	} else if len(f) == 2 && strings.HasPrefix(f[0], "rounds=") {
		// glibc would take this as a salt, the library as rounds: refuse
		// the ambiguity, which no crypt(3) ever printed.
		return nil, malformed(kind, "rounds= without a salt")
	}
	if len(f) != 2 {
		return nil, malformed(kind, "want [rounds=N$]salt$checksum")
	}
	if err := checkCryptSalt(f[0], shaCryptMaxSalt); err != nil {
		return nil, malformed(kind, "%v", err)
	}
	if len(f[1]) != sumLen || !isCryptBase64(f[1]) {
		return nil, malformed(kind, "checksum is not %d crypt characters", sumLen)
	}
	c.salt, c.sum = f[0], f[1]
	return c, nil
}

// parseMD5Crypt parses "$1$salt$checksum".
func parseMD5Crypt(s string) (*cryptHash, error) {
	f := strings.Split(s[3:], "$")
	if len(f) != 2 {
		return nil, malformed(SchemeMD5Crypt, "want salt$checksum")
	}
	if strings.HasPrefix(f[0], "rounds=") {
		return nil, malformed(SchemeMD5Crypt, "rounds= in MD5-crypt")
	}
	if err := checkCryptSalt(f[0], md5CryptMaxSalt); err != nil {
		return nil, malformed(SchemeMD5Crypt, "%v", err)
	}
	if len(f[1]) != 22 || !isCryptBase64(f[1]) {
		return nil, malformed(SchemeMD5Crypt, "checksum is not 22 crypt characters")
	}
	return &cryptHash{kind: SchemeMD5Crypt, salt: f[0], sum: f[1]}, nil
}

// parseDESCrypt recognises traditional and BSDi DES crypt, which this
// package does not compute, to say so rather than call them unknown. It
// always returns an error.
func parseDESCrypt(s string) error {
	if (len(s) == 13 && isCryptBase64(s)) || (len(s) == 20 && s[0] == '_' && isCryptBase64(s[1:])) {
		return unsupported(SchemeDESCrypt, "DES crypt is not implemented")
	}
	return malformed(SchemeDESCrypt, "not a crypt string")
}

// parseRounds parses the number after "rounds=" and clamps it as Drepper's
// spec does, saturating rather than overflowing on long numbers.
func parseRounds(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("no digits")
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, fmt.Errorf("not a decimal number")
		}
		if n <= shaCryptMaxRounds {
			n = n*10 + int(s[i]-'0')
		}
	}
	return min(max(n, shaCryptMinRounds), shaCryptMaxRounds), nil
}

func checkCryptSalt(salt string, maxLen int) error {
	if len(salt) > maxLen {
		return fmt.Errorf("salt of %d bytes, at most %d", len(salt), maxLen)
	}
	if strings.ContainsAny(salt, ":\n\x00") {
		return fmt.Errorf("salt holds ':', newline or NUL")
	}
	return nil
}

// isCryptBase64 reports whether s is non-empty and only holds characters of
// the crypt(3) alphabet, ./0-9A-Za-z.
func isCryptBase64(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '/' || isDigit(c) || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
