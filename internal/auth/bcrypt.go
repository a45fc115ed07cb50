package auth

import (
	"fmt"
	"log/slog"

	"golang.org/x/crypto/bcrypt"
)

// bcrypt as crypt(3) writes it: $2y$NN$ then 22 characters of salt and 31
// of hash in the crypt alphabet, 60 in all. $2a$, $2b$ and $2y$ compute the
// same for every password a correct implementation accepts; Dovecot and PHP
// write $2y$, OpenBSD and Python $2b$, x/crypto $2a$.
const bcryptLen = 60

// bcryptHash is a parsed bcrypt hash.
type bcryptHash struct {
	raw  string // the whole $2y$ string, which x/crypto/bcrypt parses again
	cost int
}

func (b *bcryptHash) scheme() Scheme { return SchemeBcrypt }

// LogValue shows the scheme and cost, never the salt or the hash.
func (b *bcryptHash) LogValue() slog.Value {
	return slog.GroupValue(slog.String("scheme", string(SchemeBcrypt)), slog.Int("cost", b.cost))
}

// verify compares in constant time (x/crypto/bcrypt does). Like every bcrypt,
// it uses only the first 72 bytes of password.
func (b *bcryptHash) verify(password []byte) bool {
	return bcrypt.CompareHashAndPassword([]byte(b.raw), password) == nil
}

func (b *bcryptHash) checkLimits(l *Limits) error {
	if b.cost > l.MaxBcryptCost {
		return fmt.Errorf("%w: %s cost %d, limit %d", ErrCostLimit, SchemeBcrypt, b.cost, l.MaxBcryptCost)
	}
	return nil
}

// parseBcrypt parses "$2a$", "$2b$" or "$2y$" strings.
func parseBcrypt(s string) (*bcryptHash, error) {
	if len(s) != bcryptLen {
		return nil, malformed(SchemeBcrypt, "%d characters, want %d", len(s), bcryptLen)
	}
	if !isDigit(s[4]) || !isDigit(s[5]) || s[6] != '$' {
		return nil, malformed(SchemeBcrypt, "no two-digit cost")
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if cost < bcryptMinCost || cost > bcryptMaxCost {
		return nil, malformed(SchemeBcrypt, "cost %d outside %d..%d", cost, bcryptMinCost, bcryptMaxCost)
	}
	if !isCryptBase64(s[7:]) {
		return nil, malformed(SchemeBcrypt, "salt and hash not in the crypt alphabet")
	}
	return &bcryptHash{raw: s, cost: cost}, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
